// Applies the relevance conditions of a survey form while it is filled in: an item (or a section)
// whose condition does not hold is hidden and its fields disabled, so they are not sent. The
// server applies the same conditions again; this only spares the interviewer questions that do
// not apply. Conditions come from the server as JSON trees (see pages/surveys.rs): ["cmp", item,
// op, {"n": number} | {"t": text}], ["sel", item, option], ["and", a, b], ["or", a, b], ["not", a].
(function () {
  "use strict";
  function number(text) {
    var t = String(text).trim().replace(",", ".");
    if (t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
    var n = parseFloat(t);
    return isFinite(n) ? n : null;
  }
  // The same comparison as the server's: numbers as numbers, otherwise text.
  function compare(answer, op, value) {
    var order = null, a = number(answer);
    if ("n" in value) {
      if (a !== null) order = a < value.n ? -1 : a > value.n ? 1 : 0;
    } else {
      var b = number(value.t);
      if (a !== null && b !== null) order = a < b ? -1 : a > b ? 1 : 0;
      else if (op === "=" || op === "!=" || (answer !== "" && value.t !== "")) order = answer < value.t ? -1 : answer > value.t ? 1 : 0;
    }
    if (order === null) return op === "!=";
    switch (op) {
      case "=": return order === 0;
      case "!=": return order !== 0;
      case "<": return order < 0;
      case "<=": return order <= 0;
      case ">": return order > 0;
      case ">=": return order >= 0;
    }
    return false;
  }
  function holds(tree, answers) {
    switch (tree[0]) {
      case "cmp": return compare(answers[tree[1]] || "", tree[2], tree[3]);
      case "sel": return (answers[tree[1]] || "").split(/\s+/).indexOf(tree[2]) >= 0;
      case "and": return holds(tree[1], answers) && holds(tree[2], answers);
      case "or": return holds(tree[1], answers) || holds(tree[2], answers);
      case "not": return !holds(tree[1], answers);
    }
    return true;
  }
  function condition(el) {
    var raw = el.getAttribute("data-relevant");
    if (!raw) return null;
    try { return JSON.parse(raw); } catch (e) { return null; }
  }
  function answerOf(field) {
    var values = [];
    field.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) values.push(el.value); }
      else if (el.value.trim() !== "") values.push(el.value.trim());
    });
    return values.join(" ");
  }
  function show(el, visible) {
    el.hidden = !visible;
    el.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !visible; });
  }
  document.querySelectorAll("form[data-survey]").forEach(function (form) {
    function apply() {
      // In form order: an item that is not asked counts as unanswered for the items after it.
      var answers = {};
      form.querySelectorAll("[data-section]").forEach(function (section) {
        var sectionTree = condition(section);
        var sectionShown = !sectionTree || holds(sectionTree, answers);
        section.hidden = !sectionShown;
        section.querySelectorAll("[data-item]").forEach(function (field) {
          var tree = condition(field);
          var shown = sectionShown && (!tree || holds(tree, answers));
          show(field, shown);
          if (shown) answers[field.getAttribute("data-item")] = answerOf(field);
        });
      });
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  });
})();
