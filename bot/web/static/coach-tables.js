// The dashboard's tables on a phone: under 600 px coach.css shows each row as a
// card; this names every cell by its column's header (data-label, shown before the
// value) and keeps the table's roles, which CSS display changes hide from screen
// readers in some browsers.
(function () {
  "use strict";
  var roles = {TABLE: "table", THEAD: "rowgroup", TBODY: "rowgroup", TFOOT: "rowgroup", TR: "row"};
  document.querySelectorAll("main table").forEach(function (table) {
    var headers = [];
    var head = table.tHead && table.tHead.rows[0];
    if (head) {
      Array.prototype.forEach.call(head.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) headers.push(th.textContent.trim());
      });
    }
    table.querySelectorAll("table, thead, tbody, tfoot, tr").forEach(function (el) {
      if (el.closest("table") === table && !el.hasAttribute("role")) el.setAttribute("role", roles[el.tagName]);
    });
    if (!table.hasAttribute("role")) table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.rows, function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (!cell.hasAttribute("role")) {
          var inHead = row.parentNode.tagName === "THEAD";
          cell.setAttribute("role", cell.tagName === "TH" ? (inHead ? "columnheader" : "rowheader") : "cell");
        }
        var label = headers[column];
        if (cell.tagName === "TD" && label && (cell.colSpan || 1) === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", label);
        }
        column += cell.colSpan || 1;
      });
    });
  });
})();

// The conversation list's filters take ~600 px on a phone: folded there (a
// <details>, open on wider screens and whenever a saved filter's name is refused).
(function () {
  "use strict";
  var box = document.getElementById("filters-box");
  if (box && window.matchMedia("(max-width: 600px)").matches && !document.getElementById("filter-error")) {
    box.removeAttribute("open");
  }
})();
