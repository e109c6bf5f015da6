/* The city settings form's map area picker (civicideas/tenancy/city_form.py).

   Progressive enhancement: the four number fields (southern, northern,
   western and eastern edge) are the form, with or without JavaScript. This
   script puts a Leaflet map above them: the staff member moves and zooms it
   (mouse, touch, or the arrow keys and + / - once the map has focus) and
   presses "Use this view as the city's area", which writes the map's view
   into the four fields and says so in a status line. Typing in the fields
   draws the box on the map. Same-origin file, no inline script or style (the
   CSP); the texts come translated in data attributes of the first field. */
(function () {
  "use strict";

  function start() {
    var south = document.querySelector("[data-bounds-picker]");
    if (!south || typeof L === "undefined") return;
    var fields = {
      south: south,
      north: document.getElementById("id_max_latitude"),
      west: document.getElementById("id_min_longitude"),
      east: document.getElementById("id_max_longitude"),
    };
    if (!fields.north || !fields.west || !fields.east) return;
    var row = south.closest(".form-row") || south.parentNode;

    var picker = document.createElement("div");
    picker.className = "city-bounds-picker";
    var help = document.createElement("p");
    help.className = "help";
    help.id = "city-bounds-help";
    help.textContent = south.dataset.help;
    var mapEl = document.createElement("div");
    mapEl.className = "city-bounds-map";
    mapEl.id = "city-bounds-map";
    mapEl.setAttribute("role", "region");
    mapEl.setAttribute("aria-label", south.dataset.mapLabel);
    mapEl.setAttribute("aria-describedby", help.id);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button city-bounds-use";
    button.textContent = south.dataset.buttonLabel;
    var status = document.createElement("p");
    status.className = "city-bounds-status";
    status.setAttribute("role", "status");
    picker.append(help, mapEl, button, status);
    row.parentNode.insertBefore(picker, row);

    var map = L.map(mapEl, { scrollWheelZoom: false, maxZoom: 18 });
    map.attributionControl.setPrefix(false);
    if (south.dataset.tileUrl) {
      L.tileLayer(south.dataset.tileUrl, {
        attribution: south.dataset.tileAttribution || "",
        maxZoom: 18,
        referrerPolicy: "strict-origin-when-cross-origin",
      }).addTo(map);
    } else {
      mapEl.classList.add("city-bounds-plain");
    }

    var box = null;
    function typedBounds() {
      var v = {};
      for (var key in fields) {
        v[key] = parseFloat(fields[key].value);
        if (!isFinite(v[key])) return null;
      }
      if (v.south >= v.north || v.west >= v.east) return null;
      if (Math.abs(v.south) > 90 || Math.abs(v.north) > 90 || Math.abs(v.west) > 180 || Math.abs(v.east) > 180) return null;
      return L.latLngBounds([v.south, v.west], [v.north, v.east]);
    }
    function drawBox(bounds) {
      if (!bounds) {
        if (box) { box.remove(); box = null; }
        return;
      }
      if (box) box.setBounds(bounds);
      else box = L.rectangle(bounds, { interactive: false, fill: false, weight: 3, color: "#1d4e89" }).addTo(map);
    }

    var initial = typedBounds();
    if (initial) {
      drawBox(initial);
      map.fitBounds(initial);
    } else {
      map.setView([50.5, 4.5], 5);
    }

    function fixed(value, limit) {
      return Math.max(-limit, Math.min(limit, value)).toFixed(6);
    }
    button.addEventListener("click", function () {
      var view = map.getBounds();
      var values = {
        south: fixed(view.getSouth(), 90),
        north: fixed(view.getNorth(), 90),
        west: fixed(view.getWest(), 180),
        east: fixed(view.getEast(), 180),
      };
      for (var key in fields) {
        fields[key].value = values[key];
        fields[key].dispatchEvent(new Event("change", { bubbles: true }));
      }
      drawBox(typedBounds());
      status.textContent = south.dataset.filled
        .replace("%(south)s", values.south)
        .replace("%(west)s", values.west)
        .replace("%(north)s", values.north)
        .replace("%(east)s", values.east);
    });
    Object.keys(fields).forEach(function (key) {
      fields[key].addEventListener("input", function () {
        drawBox(typedBounds());
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
