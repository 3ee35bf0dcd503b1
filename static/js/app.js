// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Close the account menu when focus or a click leaves it (keyboard users expect that).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open], details.nav-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account-menu[open], details.nav-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();

// --- Roadmap: status changes swapped in place by htmx ---
// The button the learner pressed is replaced with the row or card, so focus would fall back to
// the page. Put it on the first control of the new content (its id survives the swap).
(function () {
  "use strict";
  var pendingId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    pendingId = target && target.id ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!pendingId) return;
    var swapped = document.getElementById(pendingId);
    pendingId = null;
    if (!swapped) return;
    var control =
      swapped.querySelector(".status-controls button") || swapped.querySelector("a[href], button");
    if (control) control.focus();
  });
})();
