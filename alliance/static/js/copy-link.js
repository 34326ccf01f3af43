// Progressive enhancement: a "copy link" button for the check-in link page. Without JavaScript
// the button stays hidden and the link remains selectable text.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied") || "Copied"; }
      }, function () { input.select(); });
    });
  });
})();
