// Sortable tables (progressive enhancement): every <table class="ci-sortable"> gets a button in each
// column heading; pressing it sorts the rows by that column's data-sort keys (numbers as numbers),
// and again to reverse. Without JavaScript the table is a plain table in the published order.
(function () {
  "use strict";
  function key(cell) {
    var v = cell ? cell.getAttribute("data-sort") : "";
    if (v === null || v === "") { v = cell ? cell.textContent.trim() : ""; }
    var n = Number(v);
    return isNaN(n) ? { n: null, s: v.toLowerCase() } : { n: n, s: "" };
  }
  function compare(a, b) {
    if (a.n !== null && b.n !== null) { return a.n - b.n; }
    if (a.n !== null) { return -1; }
    if (b.n !== null) { return 1; }
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }
  function enhance(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ci-sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (row, i) { row.dataset.order = row.dataset.order || String(i); });
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[col]), key(r2.cells[col]));
          if (c === 0) { c = Number(r1.dataset.order) - Number(r2.dataset.order); }
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(heads, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  }
  function init() { Array.prototype.forEach.call(document.querySelectorAll("table.ci-sortable"), enhance); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
