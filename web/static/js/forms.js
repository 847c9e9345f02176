// zhengqi: small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  // Ask before an irreversible action. A form (or its submit button) carrying data-confirm
  // opens a dialog; confirming adds confirmed=1, which the server otherwise asks for on a page.
  function confirmDialog() {
    var dialog = document.getElementById("confirm-dialog");
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.innerHTML = '<h2 id="confirm-dialog-title"></h2><p class="consequence"></p>' +
      '<form method="dialog" class="actions"><button value="cancel" class="secondary">取消</button>' +
      '<button value="ok" class="danger"></button></form>';
    document.body.appendChild(dialog);
    return dialog;
  }
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var source = submitter && submitter.hasAttribute("data-confirm") ? submitter
        : (form.hasAttribute("data-confirm") ? form : null);
      if (!source || form.querySelector("input[name=confirmed][value='1']")) { return; }
      event.preventDefault();
      var message = source.getAttribute("data-confirm");
      if (typeof HTMLDialogElement !== "function") {
        if (!window.confirm(message)) { return; }
      }
      var proceed = function () {
        var flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "confirmed"; flag.value = "1";
        form.appendChild(flag);
        if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
      };
      if (typeof HTMLDialogElement !== "function") { proceed(); return; }
      var dialog = confirmDialog();
      dialog.querySelector("h2").textContent = source.getAttribute("data-confirm-title") || "请确认";
      dialog.querySelector("p").textContent = message;
      dialog.querySelector("button[value=ok]").textContent = source.getAttribute("data-confirm-label") || "确认";
      dialog.onclose = function () { if (dialog.returnValue === "ok") { proceed(); } };
      dialog.returnValue = "";
      dialog.showModal();
    });
  });
  // "Select all on this page": the box appears only where this script runs.
  document.querySelectorAll("input[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    var boxes = function () { return document.querySelectorAll("input[type=checkbox][name='" + name + "']"); };
    var label = box.closest("label");
    if (label) { label.hidden = false; }
    box.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = box.checked; });
    });
    boxes().forEach(function (b) {
      b.addEventListener("change", function () {
        var all = Array.prototype.every.call(boxes(), function (x) { return x.checked; });
        box.checked = all;
      });
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
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }  // waiting for a confirmation
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
})();
