// Click a column heading of a table.sortable to sort by it; click again to reverse. A cell sorts by its
// data-sort value when given, else by the number it shows (Dutch or English format: "1.234,5", "−0,07",
// "45%"), else by its text in the page's language.
var lang = document.documentElement.lang;
function shownNumber(text) {
  var t = text.replace(/\u2212/g, "-").replace(/\s|%|pp/g, "");
  if (!/^[-+]?[\d.,]+$/.test(t)) { return null; }
  t = lang === "nl" ? t.replace(/\./g, "").replace(",", ".") : t.replace(/,/g, "");
  var n = Number(t);
  return isNaN(n) ? null : n;
}
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, column) {
    th.tabIndex = 0;
    th.title = th.textContent;
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var key = function (row) {
        var cell = row.cells[column];
        var value = cell.getAttribute("data-sort");
        if (value !== null && value !== "" && !isNaN(Number(value))) { return Number(value); }
        var shown = shownNumber(cell.textContent.trim());
        return shown !== null ? shown : cell.textContent.trim();
      };
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), lang);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
