// Office tablet mode: after a while without a touch, go back to the neutral screen, replacing
// this page in the history so "back" does not return to a half-answered form.
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var target = body.getAttribute("data-idle-url");
  if (!seconds || !target) return;
  var timer = null;
  function restart() {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      window.location.replace(target);
    }, seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
