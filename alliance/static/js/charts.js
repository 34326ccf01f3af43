// Draws each chart of the page from its Vega-Lite spec (embedded as JSON, never executed) with
// the vendored vega-embed. The expression interpreter keeps Vega free of eval, so the strict
// Content-Security-Policy holds. Without JavaScript the <noscript> SVG from the server shows.
// A chart area with tabs ([data-tabs]) shows one panel at a time; a chart is drawn when its
// panel is first shown, because a chart sized to its container cannot be drawn while hidden.
(function () {
  "use strict";
  function drawVisible() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll(".vega-chart[data-spec]:not([data-drawn])").forEach(function (el) {
      if (el.offsetParent === null) { return; }
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source) { return; }
      el.setAttribute("data-drawn", "");
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, {
        renderer: "svg",
        actions: false,
        defaultStyle: false,
        tooltip: { disableDefaultStyle: true },
        ast: true,
        expr: window.vegaExpressionInterpreter
      }).catch(function (error) {
        el.textContent = "This chart could not be drawn; the table below has the same numbers.";
        if (window.console) { window.console.error(error); }
      });
    });
  }
  function select(tabs, chosen) {
    tabs.forEach(function (tab) {
      var on = tab === chosen;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
    drawVisible();
  }
  function setUpTabs() {
    document.querySelectorAll("[data-tabs]").forEach(function (box) {
      var tabs = Array.prototype.slice.call(box.querySelectorAll("[role=tab]"));
      if (tabs.length < 2) { return; }
      box.hidden = false;
      box.parentNode.classList.add("tabbed");
      tabs.forEach(function (tab, i) {
        tab.addEventListener("click", function () { select(tabs, tab); });
        tab.addEventListener("keydown", function (event) {
          var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (!step) { return; }
          var next = tabs[(i + step + tabs.length) % tabs.length];
          next.focus();
          select(tabs, next);
        });
      });
      // A link to "#panel-outcomes" (or any panel) opens on that tab.
      var wanted = tabs.filter(function (tab) {
        return "#" + tab.getAttribute("aria-controls") === window.location.hash;
      })[0];
      select(tabs, wanted || tabs[0]);
    });
  }
  function start() { setUpTabs(); drawVisible(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
