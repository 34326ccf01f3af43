// FHIR enableWhen on the questionnaire form: a question whose condition is false is hidden and
// its inputs disabled (so nothing is sent for it). Without JavaScript every question is shown
// and the server drops the answers of switched-off questions; the rules come from the server
// (data-enable) so both sides decide the same way.
(function () {
  "use strict";
  var first = document.querySelector("[data-enable]");
  var form = first && first.closest("form");  // not the language switcher above it
  if (!form) return;
  var dependents = Array.prototype.slice.call(form.querySelectorAll("[data-enable]"));

  function current(name) {
    var fields = form.elements[name];
    if (!fields) return "";
    if (fields.length !== undefined && fields.tagName === undefined) {
      for (var i = 0; i < fields.length; i++) if (fields[i].checked) return fields[i].value;
      return "";
    }
    if ((fields.type === "radio" || fields.type === "checkbox") && !fields.checked) return "";
    return fields.disabled ? "" : fields.value.trim();
  }

  function holds(c) {
    var answer = current(c.name);
    if (c.op === "exists") return (answer !== "") === c.value;
    if (answer === "") return false;
    var a = answer, b = c.value;
    if (c.kind === "number") { a = parseFloat(answer); b = parseFloat(c.value); }
    switch (c.op) {
      case "=": return a === b || (c.kind === "number" && a == b);
      case "!=": return a !== b;
      case ">": return a > b;
      case "<": return a < b;
      case ">=": return a >= b;
      case "<=": return a <= b;
    }
    return false;
  }

  function enabled(el) {
    var rules = JSON.parse(el.getAttribute("data-enable"));
    return rules.every(function (rule) {
      var results = rule.conditions.map(holds);
      return rule.behavior === "any" ? results.some(Boolean) : results.every(Boolean);
    });
  }

  function update() {
    dependents.forEach(function (el) {
      var on = enabled(el);
      el.hidden = !on;
      Array.prototype.forEach.call(el.querySelectorAll("input, textarea, select"), function (f) {
        f.disabled = !on;
      });
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
