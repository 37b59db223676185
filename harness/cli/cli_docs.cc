// Bash completion and the man page from the CLI11 app (cli_docs.h).
#include "harness/cli/cli_docs.h"

#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fmt/format.h"
#include "harness/cli/cli.h"
#include "harness/run/identity.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_file.h"

namespace mapfault {
namespace {

enum class Complete { kWords, kFiles, kDirs, kNothing };

// What completes the values of the options (and positionals, by name) whose set CLI11's model does
// not carry: a registry's ids or a kind of path. Options in no row and with no {a,b} check take a
// value with nothing to complete (a number, a token).
struct ValueSource {
  std::string_view option;  // "--backend", or a positional's name
  Complete complete;
  std::vector<std::string> (*words)();
};

std::vector<std::string> BackendWords() {
  std::vector<std::string> words = {"all"};
  for (const BackendInfo* b : GlobalBackends().Listed()) words.push_back(b->id);
  return words;
}
std::vector<std::string> ScenarioWords() {
  std::vector<std::string> words;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) words.push_back(s.id);
  return words;
}
std::vector<std::string> StrategyWords() {
  std::vector<std::string> words;
  for (const StrategyRow& row : StrategyRows()) words.emplace_back(row.name);
  return words;
}
std::vector<std::string> SuiteWords() {
  std::vector<std::string> words;
  for (const SuiteSpec& s : BuiltinSuites()) words.push_back(s.id);
  return words;
}
std::vector<std::string> ListWords() { return ListKinds(); }

const ValueSource kValueSources[] = {
    {"--backend", Complete::kWords, BackendWords},
    {"--scenario", Complete::kWords, ScenarioWords},
    {"--strategy", Complete::kWords, StrategyWords},
    {"--suite", Complete::kWords, SuiteWords},
    {"what", Complete::kWords, ListWords},  // list [what]
    {"--file", Complete::kFiles, nullptr},
    {"--plugin", Complete::kFiles, nullptr},
    {"token", Complete::kFiles, nullptr},  // replay, shrink: TOKEN, @FILE or DIR/results.json#..
    {"--out", Complete::kDirs, nullptr},
    {"dirs", Complete::kDirs, nullptr},  // merge DIR...
};

struct Completion {
  Complete complete = Complete::kNothing;
  std::vector<std::string> words;
};

// The values of `option`: its row, else the {a,b,...} set of a CLI11 IsMember check.
Completion CompletionOf(const CLI::Option& option) {
  const std::string name = option.get_positional() ? option.get_name(true) : option.get_name();
  for (const ValueSource& source : kValueSources) {
    if (source.option != name) continue;
    return {source.complete, source.words ? source.words() : std::vector<std::string>{}};
  }
  const std::string type = option.get_type_name();
  const size_t open = type.find('{'), close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return {Complete::kWords, absl::StrSplit(type.substr(open + 1, close - open - 1), ',')};
}

std::vector<const CLI::App*> Commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

bool TakesValue(const CLI::Option& option) { return option.get_expected_max() > 0; }

// One `_mapfault_reply` call of the script.
std::string Reply(const Completion& c) {
  switch (c.complete) {
    case Complete::kWords:
      return absl::StrCat("_mapfault_reply \"", absl::StrJoin(c.words, " "), "\"");
    case Complete::kFiles: return "_mapfault_reply \"\" files";
    case Complete::kDirs: return "_mapfault_reply \"\" dirs";
    case Complete::kNothing: break;
  }
  return "return";
}

// The `case $cmd` arm of one subcommand: the value of the option before the cursor, else its
// options (a word starting with -) or its positional's values.
std::string CommandArm(const CLI::App& command) {
  std::string values, flags;
  Completion positional;
  std::vector<std::string> names, opaque;  // opaque: takes a value with nothing to complete
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_positional() && !option->nonpositional()) {
      if (positional.complete == Complete::kNothing) positional = CompletionOf(*option);
      continue;
    }
    std::vector<std::string> spelled;
    for (const std::string& s : option->get_snames()) spelled.push_back("-" + s);
    for (const std::string& l : option->get_lnames()) spelled.push_back("--" + l);
    names.insert(names.end(), spelled.begin(), spelled.end());
    if (!TakesValue(*option)) continue;
    const Completion value = CompletionOf(*option);
    if (value.complete == Complete::kNothing) {
      opaque.insert(opaque.end(), spelled.begin(), spelled.end());
      continue;
    }
    absl::StrAppend(&values, "        ", absl::StrJoin(spelled, "|"), ") ", Reply(value),
                    "; return ;;\n");
  }
  if (!opaque.empty()) {
    absl::StrAppend(&values, "        ", absl::StrJoin(opaque, "|"), ") return ;;\n");
  }
  std::string arm = absl::StrCat("    ", command.get_name(), ")\n");
  if (!values.empty()) absl::StrAppend(&arm, "      case $prev in\n", values, "      esac\n");
  const Completion options{Complete::kWords, names};
  if (positional.complete == Complete::kNothing) {
    absl::StrAppend(&arm, "      ", Reply(options), " ;;\n");
  } else {
    absl::StrAppend(&arm, "      if [[ $cur == -* ]]; then ", Reply(options), "; else ",
                    Reply(positional), "; fi ;;\n");
  }
  return arm;
}

// Roff text: backslashes and a leading period or quote escaped, dashes as minus signs.
std::string Roff(const std::string& text) {
  std::string out = absl::StrReplaceAll(text, {{"\\", "\\e"}, {"-", "\\-"}});
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string ManOption(const CLI::Option& option) {
  std::string head;
  if (option.get_positional() && !option.nonpositional()) {
    head = absl::StrCat("\\fI", Roff(option.get_name(true)), "\\fR");
  } else {
    std::vector<std::string> spelled;
    for (const std::string& s : option.get_snames()) spelled.push_back("\\-" + Roff(s));
    for (const std::string& l : option.get_lnames()) spelled.push_back("\\-\\-" + Roff(l));
    head = absl::StrCat("\\fB", absl::StrJoin(spelled, "\\fR, \\fB"), "\\fR");
    if (TakesValue(option)) absl::StrAppend(&head, " \\fI", Roff(option.get_type_name()), "\\fR");
  }
  return absl::StrCat(".TP\n", head, "\n", Roff(option.get_description()), "\n");
}

struct ManRow {
  const char* term;
  const char* text;
};

// docs/cli.md#exit-codes, by status.
const ManRow kExitStatus[] = {
    {"0", "Every claimed guarantee held and every planned trial ran (run, merge); the replayed "
          "trial now passes (replay); measured (bench-bugs)."},
    {"1", "A verdict is BROKEN (run, merge); the trial breaks its invariant again (replay); a "
          "program broke an invariant (check); the case was shrunk (shrink)."},
    {"2", "A usage or input error, one line on standard error; a bad token or a diverged replay."},
    {"3", "Incomplete: interrupted or out of --time-budget, and nothing broke."},
};

const ManRow kEnvironment[] = {
    {"MAPFAULT_PLUGIN_PATH", "Directories of plugin libraries to load, separated by colons, as "
                             "if each library were given with --plugin."},
    {"MAPFAULT_WORKER_AS_MB", "Each worker process's address-space limit, in MB (0: none)."},
    {"MAPFAULT_WORKER_CPU_SECONDS", "Each worker process's CPU-time limit, in seconds (0: none)."},
    {"MAPFAULT_WORKER_NOFILE", "Each worker process's limit on open files (0: none)."},
    {"GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS", "The default of run --shard."},
};

std::string ManRows(const char* section, const auto& rows) {
  std::string out = absl::StrCat(".SH ", section, "\n");
  for (const ManRow& row : rows) {
    absl::StrAppend(&out, ".TP\n\\fB", Roff(row.term), "\\fR\n", Roff(row.text), "\n");
  }
  return out;
}

}  // namespace

std::string BashCompletion(const CLI::App& app) {
  std::vector<std::string> top = {"--help", "--help-all"};
  std::vector<std::string> names;
  std::string arms;
  for (const CLI::App* command : Commands(app)) {
    names.push_back(command->get_name());
    arms += CommandArm(*command);
  }
  top.insert(top.end(), names.begin(), names.end());
  return absl::StrCat(
      "# bash completion for mapfault, generated from its command-line definition by\n",
      "# `mapfault completion bash` (do not edit). Installed as\n",
      "# /usr/share/bash-completion/completions/mapfault; or: source <(mapfault completion bash)\n",
      "_mapfault_reply() {  # $1: words to offer, or $2: files | dirs\n",
      "  case $2 in\n",
      "    files) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n",
      "    dirs) mapfile -t COMPREPLY < <(compgen -d -- \"$cur\") ;;\n",
      "    *) mapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$cur\") ;;\n",
      "  esac\n",
      "}\n",
      "_mapfault() {\n",
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=\"\" i\n",
      "  COMPREPLY=()\n",
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n",
      "    case ${COMP_WORDS[i]} in\n",
      "      ", absl::StrJoin(names, "|"), ") cmd=${COMP_WORDS[i]}; break ;;\n",
      "    esac\n",
      "  done\n",
      "  case $cmd in\n",
      "    \"\") _mapfault_reply \"", absl::StrJoin(top, " "), "\" ;;\n",
      arms,
      "  esac\n",
      "}\n",
      "complete -F _mapfault mapfault\n");
}

std::string ManPage(const CLI::App& app, std::string_view version) {
  const std::string what(absl::StripPrefix(app.get_description(), "mapfault: "));
  std::string out = absl::StrCat(
      ".\\\" The mapfault man page, generated from its command-line definition by `mapfault man`\n",
      ".\\\" (do not edit).\n",
      ".TH MAPFAULT 1 \"\" \"mapfault ", Roff(std::string(version)), "\" \"User Commands\"\n",
      ".SH NAME\nmapfault \\- ", Roff(what), "\n",
      ".SH SYNOPSIS\n\\fBmapfault\\fR \\fIcommand\\fR [\\fIoptions\\fR]\n.br\n",
      "\\fBmapfault\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-help\\-all\\fR\n",
      ".SH DESCRIPTION\n",
      "mapfault runs scenarios of concurrent iteration, deletion and growth against concurrent\n",
      "map backends under a scheduler that owns every interleaving, checks which invariants\n",
      "break, and\n",
      "prints for every break a \\fBmapfault replay\\fR command that reproduces it.\n",
      "Every command takes \\fB\\-\\-help\\fR; the full reference is docs/cli.md.\n",
      ".SH COMMANDS\n");
  for (const CLI::App* command : Commands(app)) {
    absl::StrAppend(&out, ".SS \"mapfault ", Roff(command->get_name()), "\"\n",
                    Roff(command->get_description()), "\n");
    for (const CLI::Option* option : command->get_options()) out += ManOption(*option);
  }
  absl::StrAppend(&out, ManRows("EXIT STATUS", kExitStatus), ManRows("ENVIRONMENT", kEnvironment),
                  ".SH SEE ALSO\n",
                  "The README and docs/ of the mapfault source tree; \\fBmapfault list\\fR for\n",
                  "the backends, scenarios, suites, invariants and strategies.\n");
  return out;
}

void AddDocsCommands(CLI::App& app, std::string& shell, CLI::App** completion, CLI::App** man) {
  *completion = app.add_subcommand(
      "completion", "Print a shell completion script (bash: source <(mapfault completion bash))");
  (*completion)
      ->add_option("shell", shell, "The shell")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  *man = app.add_subcommand("man", "Print the man page (roff; man -l <(mapfault man) shows it)");
}

int RunDocsCommand(const CLI::App& app, const CLI::App& completion) {
  fmt::print("{}", completion ? BashCompletion(app) : ManPage(app, MapfaultVersion()));
  return 0;
}

}  // namespace mapfault
