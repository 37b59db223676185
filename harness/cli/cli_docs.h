// Shell completion and the man page, generated from the CLI11 app itself (the model behind
// --help): `mapfault completion bash` and `mapfault man` (docs/cli.md#completion-and-man-page).
// Option values come from CLI11's checks ({a,b} sets) and from a table naming the registry or the
// file kind that completes each other option (cli_docs.cc).
#ifndef MAPFAULT_HARNESS_CLI_CLI_DOCS_H_
#define MAPFAULT_HARNESS_CLI_CLI_DOCS_H_

#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace mapfault {

// A bash completion script for `app`'s program: its subcommands, each one's options, and the
// values of options and positionals with a known set (registry ids, CLI11 {a,b} sets, files).
std::string BashCompletion(const CLI::App& app);

// The man page of `app`'s program in roff (man(7) macros): name, synopsis, every subcommand with
// its options, exit status, environment.
std::string ManPage(const CLI::App& app, std::string_view version);

// `completion SHELL` (bash only, so far) and `man` on `app`, returned through the pointers; add
// them last, after every other command.
void AddDocsCommands(CLI::App& app, std::string& shell, CLI::App** completion, CLI::App** man);
// Prints the completion script when `completion` was parsed, else the man page; returns 0.
int RunDocsCommand(const CLI::App& app, const CLI::App& completion);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CLI_CLI_DOCS_H_
