// The moderators' page: send the pasted text to POST /v1/analyze and show the
// reading. Plain browser JavaScript, no build step. User text is only ever put
// into the page with textContent, never parsed as HTML.
"use strict";

(function () {
  const form = document.getElementById("analyze-form");
  const textArea = document.getElementById("text");
  const explainBox = document.getElementById("explain");
  const keyInput = document.getElementById("api-key");
  const button = document.getElementById("analyze-button");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const reading = document.getElementById("reading");
  const highlighted = document.getElementById("highlighted");
  const details = document.getElementById("details");
  const detailsBody = document.getElementById("details-body");

  // Label names and order come from the legend the server rendered.
  const labelNames = {};
  const labelOrder = [];
  document.querySelectorAll(".legend [data-label]").forEach(function (item) {
    labelNames[item.dataset.label] = item.dataset.name;
    labelOrder.push(item.dataset.label);
  });

  const sourceKinds = {
    official: "an official or institution",
    named_person: "a named person",
    anonymous: "an unnamed source",
    diffuse: "many people or nobody in particular",
    none: "a document or data, not a speaker",
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(value) {
    return Math.round(value * 100) + "%";
  }

  function labelName(label) {
    return label ? labelNames[label] || label : "No label (needs a person)";
  }

  function setStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function describeSource(source) {
    if (!source) return "none: the writer's own voice";
    let text = "\u201c" + source.text + "\u201d, " + (sourceKinds[source.kind] || source.kind);
    if (source.via === "pronoun") text += " (referred to again in this sentence)";
    if (source.via === "quote") text += " (speaker of the quotation this sentence is part of)";
    return text;
  }

  function showSummary(result) {
    const s = result.summary;
    document.getElementById("summary-share").textContent =
      percent(s.rumor_or_speculation_share) + " of " + s.sentences + " sentences are rumour or speculation.";
    const list = document.getElementById("summary-labels");
    list.replaceChildren();
    labelOrder.forEach(function (label) {
      const item = element("li", "label-" + label);
      item.dataset.label = label;
      item.append(element("span", "badge", labelNames[label]), " " + s.labels[label]);
      list.append(item);
    });
    const kinds = Object.keys(s.sources).filter(function (kind) { return s.sources[kind] > 0; })
      .map(function (kind) { return s.sources[kind] + " " + kind.replace("_", " "); });
    document.getElementById("summary-sources").textContent =
      "Sources: " + (kinds.length ? kinds.join(", ") : "none named") + "; " + s.unattributed +
      " sentence(s) in the writer's own voice.";
    summary.hidden = false;
  }

  function tooltip(sentence) {
    return labelName(sentence.label) + " (" + percent(sentence.confidence) + ")\nSource: " + describeSource(sentence.source);
  }

  function select(mark, sentence) {
    highlighted.querySelectorAll(".sentence[aria-pressed='true']").forEach(function (other) {
      other.setAttribute("aria-pressed", "false");
    });
    mark.setAttribute("aria-pressed", "true");
    detailsBody.replaceChildren();
    detailsBody.append(element("p", "quoted", sentence.text));
    const verdict = element("p", "verdict label-" + sentence.label);
    verdict.append(element("span", "badge", labelName(sentence.label)), " confidence " + percent(sentence.confidence));
    detailsBody.append(verdict);

    const table = element("table", "scores");
    table.append(element("caption", null, "Scores"));
    labelOrder.forEach(function (label) {
      const row = element("tr");
      row.dataset.label = label;
      row.append(element("th", null, labelNames[label]), element("td", null, percent(sentence.scores[label])));
      table.append(row);
    });
    detailsBody.append(table);

    const source = element("p", "source");
    source.append(element("strong", null, "Source: "), describeSource(sentence.source));
    detailsBody.append(source);

    if (sentence.explanation) {
      detailsBody.append(element("h3", null, "Why"));
      if (sentence.explanation.length === 0) {
        detailsBody.append(element("p", null, "No single feature stands out."));
      } else {
        const list = element("ul", "explanation");
        sentence.explanation.forEach(function (item) {
          list.append(element("li", null, item.feature + " (+" + item.weight.toFixed(2) + ")"));
        });
        detailsBody.append(list);
      }
    }
    details.hidden = false;
  }

  function showReading(text, result) {
    highlighted.replaceChildren();
    let position = 0;
    result.sentences.forEach(function (sentence) {
      if (sentence.start > position) highlighted.append(text.slice(position, sentence.start));
      const mark = element("span", "sentence label-" + (sentence.label || "none"));
      mark.dataset.label = sentence.label || "";
      mark.dataset.index = sentence.index;
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      mark.setAttribute("aria-pressed", "false");
      mark.title = tooltip(sentence);
      mark.append(element("span", "badge", labelName(sentence.label)), " ");
      if (sentence.source && sentence.source.via === "sentence") {
        // Underline the words naming the source inside the sentence.
        const from = sentence.source.start - sentence.start;
        const to = sentence.source.end - sentence.start;
        mark.append(sentence.text.slice(0, from), element("span", "source-span", sentence.text.slice(from, to)),
                    sentence.text.slice(to));
      } else {
        mark.append(sentence.text);
      }
      mark.addEventListener("click", function () { select(mark, sentence); });
      mark.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(mark, sentence);
        }
      });
      highlighted.append(mark);
      position = sentence.end;
    });
    if (position < text.length) highlighted.append(text.slice(position));
    reading.hidden = false;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = textArea.value;
    if (!text.trim()) {
      setStatus("Paste a text first.", true);
      textArea.focus();
      return;
    }
    const headers = { "Content-Type": "application/json" };
    if (keyInput.value.trim()) headers.Authorization = "Bearer " + keyInput.value.trim();
    button.disabled = true;
    setStatus("Reading\u2026", false);
    try {
      const response = await fetch("/v1/analyze", {
        method: "POST",
        headers: headers,
        body: JSON.stringify({ text: text, explain: explainBox.checked }),
      });
      const body = await response.json().catch(function () { return null; });
      if (!response.ok) {
        const message = body && body.error ? body.error.message : "HTTP " + response.status;
        setStatus("Could not read the text: " + message, true);
        return;
      }
      details.hidden = true;
      showSummary(body);
      showReading(text, body);
      setStatus("Read " + body.summary.sentences + " sentences with model " + body.model.version + ".", false);
    } catch (error) {
      setStatus("Could not reach the service: " + error.message, true);
    } finally {
      button.disabled = false;
    }
  });
})();
