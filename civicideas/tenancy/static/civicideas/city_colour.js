/* City settings (CityAdmin): the contrast of white text on the brand colour,
   shown and announced as the colour changes. The server refuses a colour
   below 4.5:1 (civicideas/tenancy/city_form.py); this only tells earlier.
   A static file, no inline script: the admin's strict CSP allows it. */
(function () {
  "use strict";
  function linear(c) {
    c = c / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  function luminance(hex) {
    var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  }
  function ratioWithWhite(hex) {
    return 1.05 / (luminance(hex) + 0.05);
  }
  function setUp(input) {
    var out = document.createElement("output");
    out.className = "contrast-check";
    out.id = input.id + "_contrast";
    out.setAttribute("for", input.id);
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    function update() {
      if (!/^#[0-9a-fA-F]{6}$/.test(input.value)) { out.textContent = ""; return; }
      var ratio = ratioWithWhite(input.value);
      // Floor, not round, so 4.46 never reads as a passing "4.5".
      var text = (Math.floor(ratio * 10) / 10).toFixed(1) + ":1";
      var ok = ratio >= 4.5;
      out.textContent = (ok ? input.dataset.contrastOk : input.dataset.contrastLow).replace("%(ratio)s", text);
      out.classList.toggle("contrast-low", !ok);
    }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=color][data-contrast-check]").forEach(setUp);
  });
})();
