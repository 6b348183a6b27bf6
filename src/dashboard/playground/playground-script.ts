// The playground's script: lists the models of the lent GET …/v1/models, and sends the
// conversation to …/v1/chat/completions with stream:true, showing the answer as its chunks arrive
// (SSE read from the response body); the form's data-api names where they are
// (pages/playground-page.ts). Stop aborts the request, which cancels the generation.

/** The script's source. */
export const PLAYGROUND_SCRIPT = `"use strict";
(() => {
  const form = document.getElementById("playground");
  const log = document.getElementById("conversation");
  const modelSelect = document.getElementById("model");
  const stopButton = document.getElementById("stop");
  const status = document.getElementById("status");
  const api = form.dataset.api;
  const messages = [];
  let running = null;
  const headers = () => ({ "content-type": "application/json", "x-csrf-token": saiga.csrf() });

  async function loadModels() {
    try {
      const list = await saiga.getJson(api + "/v1/models");
      modelSelect.replaceChildren(...list.data.map((model) => {
        const option = document.createElement("option");
        option.value = model.id;
        option.textContent = model.status ? model.id + " (" + model.status + ")" : model.id;
        return option;
      }));
      status.textContent = list.data.length ? "" : "No engine is serving: start one (saiga engine).";
    } catch (error) {
      status.textContent = "Could not list the models: " + error.message;
    }
  }

  function bubble(role, text) {
    const item = document.createElement("div");
    item.className = "turn " + role;
    const who = document.createElement("strong");
    who.textContent = role === "user" ? "You" : "Model";
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    item.append(who, body);
    log.append(item);
    return body;
  }

  function numberField(name) {
    const value = form.elements[name].value.trim();
    return value === "" ? undefined : Number(value);
  }

  async function send(prompt) {
    messages.push({ role: "user", content: prompt });
    bubble("user", prompt);
    const answer = bubble("assistant", "");
    answer.dataset.state = "streaming";
    const system = form.elements.system.value.trim();
    const body = {
      model: modelSelect.value,
      messages: system ? [{ role: "system", content: system }, ...messages] : messages,
      stream: true,
      temperature: numberField("temperature"),
      top_p: numberField("top_p"),
      max_tokens: numberField("max_tokens"),
      seed: numberField("seed"),
    };
    running = new AbortController();
    stopButton.disabled = false;
    let text = "";
    try {
      const response = await fetch(api + "/v1/chat/completions", {
        method: "POST", credentials: "same-origin", headers: headers(),
        body: JSON.stringify(body), signal: running.signal,
      });
      if (!response.ok) {
        const failure = await response.json().catch(() => ({}));
        throw new Error(failure.error?.message ?? "HTTP " + response.status);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\\n\\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of event.split("\\n")) {
            if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
            const chunk = JSON.parse(line.slice(6));
            if (chunk.error) throw new Error(chunk.error.message);
            const delta = chunk.choices?.[0]?.delta?.content;
            if (delta) { text += delta; answer.textContent = text; }
          }
        }
      }
      answer.dataset.state = "done";
    } catch (error) {
      answer.dataset.state = running.signal.aborted ? "stopped" : "failed";
      if (!running.signal.aborted) status.textContent = "The request failed: " + error.message;
    } finally {
      messages.push({ role: "assistant", content: text });
      running = null;
      stopButton.disabled = true;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const prompt = form.elements.prompt.value.trim();
    if (!prompt || running) return;
    form.elements.prompt.value = "";
    status.textContent = "";
    void send(prompt);
  });
  stopButton.addEventListener("click", () => running?.abort());
  document.getElementById("clear").addEventListener("click", () => {
    running?.abort();
    messages.length = 0;
    log.replaceChildren();
  });
  void loadModels();
})();
`;
