// zhengqi: small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  // Ask before closing or deleting (forms carrying data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Character counters under text areas with a maxlength.
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var max = parseInt(area.getAttribute("maxlength"), 10);
    var out = document.createElement("span");
    out.className = "counter";
    area.insertAdjacentElement("afterend", out);
    function update() { out.textContent = area.value.length + " / " + max + " 字"; }
    area.addEventListener("input", update);
    update();
  });
  // One click is enough: stop double submissions of the same form.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
})();
