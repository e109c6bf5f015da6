// The bell's unread count. Pages that load htmx let it handle hx-trigger
// ("load, every 60s"); on other pages this fetches the same fragment.
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) { return; }
  var target = document.getElementById("notification-bell-count");
  if (!target || !window.fetch) { return; }
  function refresh() {
    fetch(target.dataset.url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.status === 200 ? response.text() : null; })
      .then(function (html) { if (html !== null) { target.innerHTML = html; } })
      .catch(function () {});
  }
  refresh();
  window.setInterval(refresh, 60000);
});
