# The kind of request this app handles: the code stored in Email.kind, registered with its
# label in AcessoConfig.ready (pipeline.kinds).
KIND = "acesso"
