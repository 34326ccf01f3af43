// A calendar button beside each date box in the clinic's format (alliance/date_inputs.py).
// The box stays a text box that takes what people type; the button opens the browser's own
// date picker and writes the chosen day into the box the way the clinic writes dates. Without
// JavaScript, or where the browser cannot open its picker from a script, there is no button
// and typing works as before.
(function () {
  "use strict";
  var probe = document.createElement("input");
  probe.type = "date";
  if (probe.type !== "date" || typeof probe.showPicker !== "function") return;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function written(iso, style) {
    var p = iso.split("-"), y = p[0], m = parseInt(p[1], 10), d = parseInt(p[2], 10);
    if (style === "iso") return y + "-" + pad(m) + "-" + pad(d);
    if (style === "mdy") return MONTHS[m - 1] + " " + d + ", " + y;
    return d + " " + MONTHS[m - 1] + " " + y;
  }

  // A small calendar drawn in SVG: no icon font, no emoji (not every system has one).
  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shapes = [
      ["rect", { x: 2.5, y: 4, width: 15, height: 13.5, rx: 1.5 }],
      ["line", { x1: 2.5, y1: 8, x2: 17.5, y2: 8 }],
      ["line", { x1: 6.5, y1: 2, x2: 6.5, y2: 5.5 }],
      ["line", { x1: 13.5, y1: 2, x2: 13.5, y2: 5.5 }],
      ["rect", { x: 5.5, y: 10.5, width: 3, height: 3 }],
    ];
    shapes.forEach(function (shape) {
      var node = document.createElementNS(ns, shape[0]);
      Object.keys(shape[1]).forEach(function (k) { node.setAttribute(k, shape[1][k]); });
      node.setAttribute("fill", shape[0] === "rect" && shape[1].width === 3 ? "currentColor" : "none");
      node.setAttribute("stroke", "currentColor");
      node.setAttribute("stroke-width", "1.6");
      svg.appendChild(node);
    });
    return svg;
  }

  function add(box) {
    var picker = document.createElement("input");
    picker.type = "date";
    picker.className = "date-pick-native";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary date-pick";
    button.appendChild(icon());
    button.title = box.getAttribute("data-pick-label") || "Open the calendar";
    button.setAttribute("aria-label", button.title);
    button.addEventListener("click", function () {
      try { picker.showPicker(); } catch (e) { box.focus(); }
    });
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      box.value = written(picker.value, box.getAttribute("data-date-style"));
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    box.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", picker);
  }

  var boxes = document.querySelectorAll("input[data-date-input]");
  for (var i = 0; i < boxes.length; i++) add(boxes[i]);
})();
