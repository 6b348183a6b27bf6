// Learning from feedback: datasets (more parts of training export from here as they land).
export * from "./dataset/index.js";
