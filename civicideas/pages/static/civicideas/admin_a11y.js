/* The back office's autocomplete boxes (select2, Django's autocomplete
   widgets) get the name of their label. select2 moves the field into a box
   of its own whose "textbox" has no name, so a screen reader announced an
   unnamed field (axe: aria-input-field-name). Runs after Django's
   autocomplete.js has built the boxes (on load). */
(function () {
  "use strict";
  function nameBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) return;
      var text = label.textContent.replace(/:\s*$/, "").trim();
      box.querySelectorAll(".select2-selection__rendered").forEach(function (el) {
        el.setAttribute("aria-label", text);
      });
    });
  }
  window.addEventListener("load", function () {
    nameBoxes();
    if (window.django && window.django.jQuery) window.django.jQuery(nameBoxes);
  });
})();
