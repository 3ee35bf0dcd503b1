// Application board: after a move swaps the board in place (htmx), put focus back on the card
// that moved, in its new column, so a keyboard user carries on from where they were. Loaded
// after app.js, so this runs after its generic "focus the swapped content" handler.
(function () {
  "use strict";
  var movedCardId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest(".board-card") : null;
    movedCardId = card ? card.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!movedCardId) return;
    var card = document.getElementById(movedCardId);
    movedCardId = null;
    if (!card) return;
    var select = card.querySelector("select");
    if (select) select.focus();
  });
})();
