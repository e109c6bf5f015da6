/* Maps of ideas (templates/ideas/_map.html) and the location picker of the
   submit and edit forms (templates/ideas/_idea_fields.html), with Leaflet.

   Progressive enhancement: without JavaScript the maps stay hidden and the
   pages show the same ideas as a list; the location is typed into the two
   number fields. Text from the server (titles) is written with textContent,
   never as HTML. No inline styles are written by this file (the CSP allows
   none); Leaflet positions its layers through the CSSOM, which it allows. */
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function numbers(text) {
    if (!text) return null;
    var parts = text.split(",").map(Number);
    return parts.length === 4 && parts.every(isFinite) ? parts : null;
  }

  function markerIcon(el) {
    return L.icon({
      iconUrl: el.dataset.icon,
      iconRetinaUrl: el.dataset.icon2x,
      shadowUrl: el.dataset.shadow,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41],
    });
  }

  function baseMap(el) {
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false, maxZoom: 19 });
    map.attributionControl.setPrefix(false);
    if (el.dataset.tileUrl) {
      /* The attribution is HTML escaped by the server (civicideas.tenancy.map_tiles).
         The tile server gets this site's origin as referrer (the site's policy,
         same-origin, sends none; OpenStreetMap's usage policy asks for one). */
      L.tileLayer(el.dataset.tileUrl, {
        attribution: el.dataset.tileAttribution || "",
        maxZoom: 19,
        referrerPolicy: "strict-origin-when-cross-origin",
      }).addTo(map);
    }
    return map;
  }

  function frame(map, el, points) {
    var box = numbers(el.dataset.bounds);
    if (points.length) {
      map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 16 });
    } else if (box) {
      map.fitBounds([[box[0], box[1]], [box[2], box[3]]]);
    } else {
      map.setView([20, 0], 1);
    }
  }

  function popupContent(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.title;
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.appendChild(link);
    var status = document.createElement("p");
    status.textContent = props.status;
    var supports = document.createElement("p");
    supports.textContent = props.supports_text;
    box.append(title, status, supports);
    return box;
  }

  /* More markers than this are grouped into clusters (Leaflet.markercluster). */
  var CLUSTER_FROM = 50;

  /* A cluster's icon, as markercluster draws it (the number in a coloured
     circle), with an accessible name ("12 ideas, zoom in…") for the focusable
     button it is: the number is hidden from screen readers, the name is
     visually hidden. Built as elements, never as HTML. */
  function clusterIcon(label) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var box = document.createElement("div");
      var number = document.createElement("span");
      number.textContent = String(count);
      number.setAttribute("aria-hidden", "true");
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = (label || "%(count)s").replace("%(count)s", String(count));
      box.append(number, name);
      return L.divIcon({ html: box, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
    };
  }

  function showIdeas(el) {
    if (el.dataset.mapReady) return;
    if (!el.dataset.features) return;
    el.dataset.mapReady = "1";
    var data = JSON.parse(el.dataset.features);
    var map = baseMap(el);
    var icon = markerIcon(el);
    var clustered = data.features.length > CLUSTER_FROM && typeof L.markerClusterGroup === "function";
    var layer = clustered
      ? L.markerClusterGroup({ showCoverageOnHover: false, iconCreateFunction: clusterIcon(el.dataset.clusterLabel) })
      : L.layerGroup();
    var points = [];
    data.features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var latlng = [c[1], c[0]];
      points.push(latlng);
      L.marker(latlng, { icon: icon, alt: feature.properties.title, title: feature.properties.title })
        .bindPopup(popupContent(feature.properties))
        .addTo(layer);
    });
    /* The city map's second layer: upcoming events (events app), in another
       colour (.event-marker), each named "Event: <title>" for screen readers. */
    if (el.dataset.eventFeatures) {
      var eventIcon = L.icon(Object.assign({}, icon.options, { className: "event-marker" }));
      JSON.parse(el.dataset.eventFeatures).features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var latlng = [c[1], c[0]];
        var name = (el.dataset.eventLabel || "Event") + ": " + feature.properties.title;
        points.push(latlng);
        L.marker(latlng, { icon: eventIcon, alt: name, title: name })
          .bindPopup(popupContent(feature.properties))
          .addTo(map);
      });
    }
    // The view first: the cluster group computes its clusters for it.
    frame(map, el, points);
    layer.addTo(map);
    if (clustered) el.classList.add("map-clustered");
  }

  function picker(el) {
    var lat = document.getElementById(el.dataset.latInput);
    var lon = document.getElementById(el.dataset.lonInput);
    if (!lat || !lon) return;
    var map = baseMap(el);
    var help = document.querySelector("[data-map-picker-help]");
    if (help) help.hidden = false;
    var icon = markerIcon(el);
    var marker = null;
    function place(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng, { icon: icon, alt: el.dataset.markerLabel, keyboard: false }).addTo(map);
    }
    var start = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(start[0]) && isFinite(start[1])) {
      place(start);
      frame(map, el, [start]);
    } else {
      frame(map, el, []);
    }
    map.on("click", function (event) {
      var latlng = event.latlng.wrap();
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      place(latlng);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    });
    function typed() {
      var point = [parseFloat(lat.value), parseFloat(lon.value)];
      if (isFinite(point[0]) && isFinite(point[1]) && Math.abs(point[0]) <= 90 && Math.abs(point[1]) <= 180) {
        place(point);
        map.panTo(point);
      }
    }
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    locateButton(el, lat, lon, function (point) {
      place(point);
      map.setView(point, Math.max(map.getZoom(), 16));
    });
  }

  /* "Use my location": only where the browser can tell it. The result is
     written into the two fields and said in the live region. */
  function locateButton(el, lat, lon, moved) {
    var button = document.querySelector("[data-locate-button]");
    var status = document.querySelector("[data-locate-status]");
    if (!button || !status || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = el.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var point = [position.coords.latitude, position.coords.longitude];
          lat.value = point[0].toFixed(6);
          lon.value = point[1].toFixed(6);
          lat.dispatchEvent(new Event("change", { bubbles: true }));
          moved(point);
          status.textContent = el.dataset.located;
          button.disabled = false;
        },
        function () {
          status.textContent = el.dataset.locateFailed;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function start() {
    document.querySelectorAll("[data-idea-map]").forEach(showIdeas);
    document.querySelectorAll("[data-location-picker]").forEach(picker);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  /* The challenge page's filters replace the map with the list (hx-swap-oob):
     draw the new one. */
  document.addEventListener("htmx:load", function () {
    document.querySelectorAll("[data-idea-map]").forEach(showIdeas);
  });
})();
