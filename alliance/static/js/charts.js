// Draws each chart of the page from its Vega-Lite spec (embedded as JSON, never executed) with
// the vendored vega-embed. The expression interpreter keeps Vega free of eval, so the strict
// Content-Security-Policy holds. Without JavaScript the <noscript> SVG from the server shows.
(function () {
  "use strict";
  function draw() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll(".vega-chart[data-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-spec"));
      if (!source) { return; }
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
