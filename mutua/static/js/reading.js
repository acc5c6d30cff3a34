// The draft page reads the file the member chooses and proposes the document's fields (mutua/claims/reading.py).
// Without this script the form works as before: the member types every field.
// - the first chosen file is sent to be read while the member goes on with the form ("Lettura in corso…");
// - each value read fills its field only if the member has not typed there, marked "letto dal documento";
// - the page read is shown, and the spot of the selected field is highlighted on it.
(function () {
  "use strict";
  var panel = document.querySelector("[data-reading]");
  if (!panel || !window.fetch || !window.FormData) return;
  var form = panel.closest("form");
  var input = form.querySelector('input[type="file"]');
  var status = panel.querySelector(".mutua-reading-status");
  var figure = panel.querySelector(".mutua-reading-page");
  var image = figure.querySelector("img");
  var mark = figure.querySelector(".mutua-reading-mark");
  var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  var typed = {};
  var round = 0;

  form.addEventListener("input", function (event) {
    if (event.target.name) typed[event.target.name] = true;
  });
  // Once the form is sent the reading has no field left to fill: stop following it. upload.js sends the form with
  // XMLHttpRequest and writes the answer over this document, which keeps this script's timers running.
  form.addEventListener("submit", function () { round += 1; });

  function say(text) {
    panel.hidden = false;
    status.textContent = text;
  }

  function clearProposals() {
    form.querySelectorAll(".mutua-read-badge").forEach(function (badge) { badge.remove(); });
    form.querySelectorAll(".mutua-read").forEach(function (field) { field.classList.remove("mutua-read"); });
    figure.hidden = true;
    mark.hidden = true;
  }

  function highlight(box) {
    mark.style.left = box[0] * 100 + "%";
    mark.style.top = box[1] * 100 + "%";
    mark.style.width = (box[2] - box[0]) * 100 + "%";
    mark.style.height = (box[3] - box[1]) * 100 + "%";
    mark.hidden = false;
  }

  function apply(answer) {
    var shown = 0;
    var first = null;
    answer.proposals.forEach(function (p) {
      var field = form.elements[p.field];
      if (!field || typed[p.field] || !field.id) return;
      var before = field.value;
      field.value = p.value;
      if (field.value !== p.value) { field.value = before; return; }  // not one of the field's choices
      field.classList.add("mutua-read");
      var label = form.querySelector('label[for="' + field.id + '"]');
      if (label) {
        var badge = document.createElement("span");
        badge.className = "mutua-read-badge";
        badge.textContent = panel.getAttribute("data-text-badge");
        label.appendChild(badge);
      }
      if (p.page === 1) {
        field.addEventListener("focus", function () { highlight(p.box); });
        if (!first) first = p;
      }
      shown += 1;
    });
    if (!shown) { say(panel.getAttribute("data-text-none")); return; }
    say(panel.getAttribute("data-text-done"));
    image.addEventListener("load", function () { if (first) highlight(first.box); }, { once: true });
    image.src = answer.image;
    figure.hidden = false;
  }

  function follow(url, mine, tries) {
    if (mine !== round || !panel.isConnected) return;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== round) return;
        if (answer.status === "pending") {
          if (tries < 120) window.setTimeout(function () { follow(url, mine, tries + 1); }, 1000);
          else say(panel.getAttribute("data-text-failed"));
          return;
        }
        if (answer.status !== "done") { say(panel.getAttribute("data-text-failed")); return; }
        apply(answer);
      })
      .catch(function () { if (mine === round) say(panel.getAttribute("data-text-failed")); });
  }

  input.addEventListener("change", function () {
    if (!input.files || !input.files.length) return;
    round += 1;
    var mine = round;
    clearProposals();
    say(panel.getAttribute("data-text-reading"));
    var data = new FormData();
    data.append("file", input.files[0]);
    fetch(panel.getAttribute("data-reading"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf },
    })
      .then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        if (mine !== round) return;
        if (!result.ok) { say(result.answer.error || panel.getAttribute("data-text-failed")); return; }
        follow(result.answer.url, mine, 0);
      })
      .catch(function () { if (mine === round) say(panel.getAttribute("data-text-failed")); });
  });
})();
