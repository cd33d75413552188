/**
 * Chat messages → the raw prompt a node generates from. The relayer renders it, not the node: a served answer is
 * verified by other nodes re-scoring it from the same input, so generator and verifiers must see one rendering
 * (DESIGN.md: the template is part of the model artifact). The catalogue names each model's template.
 */
export type ChatTemplate = "chatml" | "llama3" | "plain";

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string;
}

export function renderChat(messages: readonly ChatMessage[], template: ChatTemplate): string {
  // `developer` is OpenAI's newer name for system instructions; templates know `system`.
  const role = (m: ChatMessage) => (m.role === "developer" ? "system" : m.role);
  switch (template) {
    case "chatml":
      return `${messages.map((m) => `<|im_start|>${role(m)}\n${m.content}<|im_end|>\n`).join("")}<|im_start|>assistant\n`;
    case "llama3":
      return `${messages
        .map((m) => `<|start_header_id|>${role(m)}<|end_header_id|>\n\n${m.content}<|eot_id|>`)
        .join("")}<|start_header_id|>assistant<|end_header_id|>\n\n`;
    case "plain":
      return `${messages.map((m) => `${role(m)}: ${m.content}\n`).join("")}assistant:`;
  }
}
