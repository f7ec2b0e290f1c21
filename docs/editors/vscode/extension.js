// The VS Code client of `slsc lsp` (docs/editors.md): starts the server on stdio for .sls files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("slsc").get("path") || "slsc";
  client = new LanguageClient(
    "slsc",
    "slsc",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "sls" }] }
  );
  context.subscriptions.push(client);
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
