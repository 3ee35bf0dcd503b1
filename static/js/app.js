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
  var hideTimer = null;
  document.addEventListener("htmx:afterSettle", function () {
    // The confirmation pinned at the bottom of the screen (#live-status) goes after a while, so
    // it never hides the content under it for long; screen readers have announced it by then.
    var live = document.getElementById("live-status");
    if (live && live.textContent.trim()) {
      window.clearTimeout(hideTimer);
      hideTimer = window.setTimeout(function () {
        live.textContent = "";
      }, 6000);
    }
    if (!pendingId) return;
    var swapped = document.getElementById(pendingId);
    pendingId = null;
    if (!swapped) return;
    var control =
      swapped.querySelector(".status-controls button") || swapped.querySelector("a[href], button");
    if (control) control.focus();
  });
})();

// --- Copy buttons (the calendar feed address, a new token) ---
// The buttons are hidden in the HTML and shown here, so without script (or without a clipboard)
// nothing is offered that cannot work; the read-only field can still be selected by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    var label = button.textContent;
    // A status region that exists before it changes, so "Copied" is announced.
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        status.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () {
          button.textContent = label;
          status.textContent = "";
        }, 2000);
      }, function () {
        field.select();
      });
    });
  });
})();

// --- The public portfolio: a print button (the print stylesheet makes a one-page CV) ---
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

// --- Sign-up: pre-select the browser's timezone (the server still checks it is one we know) ---
(function () {
  "use strict";
  var select = document.querySelector("select[data-detect-timezone]");
  if (!select || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Only replace the default: a value the learner already chose (a form shown again) stays.
  if (!zone || select.value !== "UTC") return;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
