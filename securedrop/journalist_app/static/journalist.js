// Optional enhancement: the select all / none / unread links tick the boxes in place
// instead of reloading the page. Without JavaScript the links do the same on the server.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("a[data-select]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var mode = link.getAttribute("data-select");
      document.querySelectorAll("tr[data-unread]").forEach(function (row) {
        var box = row.querySelector("input[type=checkbox]");
        if (!box) { return; }
        box.checked = mode === "all" || (mode === "unread" && row.getAttribute("data-unread") !== "0");
      });
    });
  });
});
