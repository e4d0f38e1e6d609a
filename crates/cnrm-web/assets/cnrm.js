// Keeps what was typed in forms marked data-draft in this browser until the server confirms the
// save (a page carrying data-clear-drafts), so a dropped connection never loses a form.
(function () {
  "use strict";
  var PREFIX = "cnrm-draft:";
  try { localStorage.setItem(PREFIX + "probe", "1"); localStorage.removeItem(PREFIX + "probe"); } catch (e) { return; }
  if (document.querySelector("[data-clear-drafts]")) {
    Object.keys(localStorage).forEach(function (k) { if (k.indexOf(PREFIX) === 0) localStorage.removeItem(k); });
  }
  function keep(el) { return el.name && el.name !== "_csrf" && el.type !== "password" && el.type !== "hidden"; }
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-draft");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    var hasErrors = form.querySelector("[aria-invalid=true]") !== null;
    if (saved && !hasErrors) {
      var nth = {}; // several text fields may share a name (two phone numbers): each gets its own value
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!keep(el) || !(el.name in saved)) return;
        var v = saved[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = v.indexOf(el.value) >= 0;
        else if (el.tagName === "SELECT" && el.multiple) Array.prototype.forEach.call(el.options, function (o) { o.selected = v.indexOf(o.value) >= 0; });
        else { var i = nth[el.name] || 0; nth[el.name] = i + 1; el.value = v[i] || ""; }
      });
      var note = document.createElement("p");
      note.className = "flash";
      note.setAttribute("role", "status");
      note.textContent = document.body.getAttribute("data-draft-notice") || "";
      form.insertBefore(note, form.firstChild);
    }
    function save() {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!keep(el)) return;
        data[el.name] = data[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") { if (el.checked) data[el.name].push(el.value); }
        else if (el.tagName === "SELECT" && el.multiple) Array.prototype.forEach.call(el.selectedOptions, function (o) { data[el.name].push(o.value); });
        else data[el.name].push(el.value);
      });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: nothing more to do */ }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
})();

// A referral's service comes with the fields it shares by default: choosing a service ticks its
// defaults, until the user ticks or unticks a field (or the form came back with their choices).
(function () {
  "use strict";
  document.querySelectorAll("select[data-shared-defaults]").forEach(function (select) {
    var name = select.getAttribute("data-shared-defaults");
    var boxes = Array.prototype.filter.call(select.form.elements, function (el) {
      return el.type === "checkbox" && el.name === name;
    });
    var touched = select.value !== "";
    boxes.forEach(function (box) { box.addEventListener("change", function () { touched = true; }); });
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (touched || !option || !option.value) return;
      var defaults = (option.getAttribute("data-defaults") || "").split(" ");
      boxes.forEach(function (box) { box.checked = defaults.indexOf(box.value) >= 0; });
    });
  });
})();
