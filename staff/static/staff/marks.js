// Review pages (mailflow/marks.py): hovering or focusing a field's row lights up where the
// email says its value (<mark data-field="key">), and hovering a mark lights up the row.
// A static file: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  function each(selector, callback) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), callback);
  }

  function light(key, on) {
    each("mark[data-field]", function (mark) {
      if (mark.dataset.field === key) {
        mark.classList.toggle("is-lit", on);
      }
    });
    each("[data-mark]", function (source) {
      if (source.dataset.mark === key) {
        (source.closest(".form-row") || source).classList.toggle("is-lit", on);
      }
    });
  }

  function bind(element, key) {
    element.addEventListener("mouseenter", function () { light(key, true); });
    element.addEventListener("mouseleave", function () { light(key, false); });
    element.addEventListener("focusin", function () { light(key, true); });
    element.addEventListener("focusout", function () { light(key, false); });
  }

  function start() {
    each("[data-mark]", function (source) {
      bind(source.closest(".form-row") || source, source.dataset.mark);
    });
    each("mark[data-field]", function (mark) {
      bind(mark, mark.dataset.field);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
