// The change log without a reload: new events arrive as server-sent events (/api/events/stream)
// and are added at the top of the table. Every value is set as text, never as markup. Without
// JavaScript, or without EventSource, the page is the same, only static.
(function () {
  "use strict";
  var table = document.getElementById("log");
  if (!table || !table.dataset.stream || !window.EventSource) {
    return;
  }
  var body = table.tBodies[0];
  var status = document.getElementById("live-status");
  var added = 0;

  function addCell(row, text, href) {
    var td = row.insertCell(-1);
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function say(text) {
    status.hidden = false;
    status.textContent = text;
  }

  var stream = new EventSource(table.dataset.stream);
  stream.addEventListener("open", function () {
    if (!added) {
      say("Live: new events appear here as they are recorded.");
    }
  });
  stream.addEventListener("error", function () {
    say("Live updates paused; retrying…");
  });
  stream.addEventListener("change", function (message) {
    var e = JSON.parse(message.data);
    if (body.querySelector('tr[data-id="' + Number(e.id) + '"]')) {
      return;
    }
    var empty = body.querySelector("tr.empty");
    if (empty) {
      empty.remove();
    }
    var row = document.createElement("tr");
    row.className = (e.alert || "quiet") + " fresh";
    row.dataset.id = String(e.id);
    addCell(row, String(e.id), "/events/" + Number(e.id));
    addCell(row, e.recorded_at).className = "time";
    var span = document.createElement("span");
    span.className = "type t-" + String(e.type).replace(/[^a-z_]/g, "");
    span.textContent = e.type;
    addCell(row, "").appendChild(span);
    addCell(row, e.source || "–", e.source ? "/?source=" + encodeURIComponent(e.source) : null);
    addCell(row, e.summary);
    body.insertBefore(row, body.firstChild);
    added += 1;
    say(added + (added === 1 ? " new event" : " new events") + " since this page was loaded.");
  });
})();
