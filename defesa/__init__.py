# The kind of request this app handles: the code stored in Email.kind, registered with its
# label in DefesaConfig.ready (pipeline.kinds).
KIND = "defesa"
