// Accessibility glue for server-rendered pages enhanced with htmx (issue 20).
// One module, driven by data attributes, for every page (loaded by base.html):
//
// * Status messages (WCAG 4.1.3): a swapped fragment carries its short
//   message in an element with ``data-status-message`` (visible text, or a
//   ``hidden`` element); it is copied into the page's one persistent polite
//   region, ``#status-region``. Swapped containers have no aria-live of their
//   own, so a screen reader hears the message, not the whole new list.
// * Focus after a swap (WCAG 2.4.3): if the control that had focus is still
//   in the page (a filter select, the similar-ideas title field), it keeps
//   focus. If it was replaced, focus goes to the element that the swapped
//   container names in ``data-swap-focus`` (a CSS selector inside the new
//   content: the new support button, the result count at the top of a new
//   page of results), else to the container itself. Only containers with
//   that attribute are handled (the bell's periodic refresh is not).
// * Errors after submit (WCAG 3.3.1): a server-rendered error summary
//   (``data-error-summary``) takes focus when the page loads; its links move
//   focus to the field they name.
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function squash(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function focusElement(element) {
    if (!element) { return; }
    if (!element.matches(FOCUSABLE)) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }

  function announce(text) {
    var region = document.getElementById("status-region");
    if (!region || !text) { return; }
    // Empty first, then write: the same message twice (support, withdraw,
    // support again) is announced again.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 100);
  }

  function swappedContainer(event) {
    var element = event.target;
    if (element && element.isConnected && element.nodeType === 1) { return element; }
    var old = event.detail && event.detail.target;
    return old && old.id ? document.getElementById(old.id) : null;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var box = swappedContainer(event);
    if (!box || !box.hasAttribute("data-swap-focus")) { return; }
    var messages = [];
    if (box.matches("[data-status-message]")) { messages.push(box); }
    box.querySelectorAll("[data-status-message]").forEach(function (m) { messages.push(m); });
    announce(messages.map(function (m) { return squash(m.textContent); }).filter(Boolean).join(" "));

    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) { return; }
    var selector = box.getAttribute("data-swap-focus");
    focusElement((selector && box.querySelector(selector)) || box);
  });

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    focusElement(summary);
    // Scrolling to the URL's fragment (a form posted to "...#comments")
    // happens after this and drops focus in Chromium: take it back once.
    window.addEventListener("load", function () {
      if (document.activeElement === document.body) { focusElement(summary); }
    }, { once: true });
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!field) { return; }
      event.preventDefault();
      var label = field.id ? document.querySelector("label[for='" + CSS.escape(field.id) + "']") : null;
      (label || field).scrollIntoView({ block: "center" });
      focusElement(field);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
}());
