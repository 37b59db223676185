// `mapfault completion bash` and `mapfault man` (harness/cli/cli_docs.h): the script is valid bash
// and completes subcommands, options, registry ids and CLI11 {a,b} sets when driven the way bash
// drives it (COMP_WORDS / COMP_CWORD); the man page has its sections and renders without groff
// warnings. Golden files lock both formats (not the registries' ids).
#include <cstdlib>
#include <regex>
#include <string>

#include "gtest/gtest.h"
#include "tests/cli_util.h"
#include "tests/golden_util.h"

namespace mapfault {
namespace {

// Writes `text` to a file in a fresh directory named `name`; returns its path.
std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = TempDir(name) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Runs a bash command line; status, stdout and stderr.
CommandResult RunBash(const std::string& script_path, const std::string& body) {
  const std::string dir = TempDir("bash");
  const std::string cmd = "bash -c 'source " + script_path + "; " + body + "' >" + dir +
                          "/out 2>" + dir + "/err";
  const int raw = std::system(cmd.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = ReadFile(dir + "/out");
  r.err = ReadFile(dir + "/err");
  return r;
}

class CompletionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const CommandResult r = RunMapfault("completion bash");
    ASSERT_EQ(r.status, 0) << r.err;
    script_ = new std::string(r.out);
    path_ = new std::string(WriteTemp("mapfault.bash", r.out));
  }
  static void TearDownTestSuite() {
    delete script_;
    delete path_;
  }

  // What the completion function offers for the words (the last one is being completed).
  static std::string Complete(const std::string& words) {
    const CommandResult r = RunBash(
        *path_, "COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _mapfault; " +
                    "for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }

  static std::string* script_;
  static std::string* path_;
};
std::string* CompletionTest::script_ = nullptr;
std::string* CompletionTest::path_ = nullptr;

TEST_F(CompletionTest, IsValidBashAndRegistersTheFunction) {
  const CommandResult check = RunBash(*path_, "complete -p mapfault");
  EXPECT_EQ(check.out, "complete -F _mapfault mapfault\n") << check.err;
  const std::string cmd = "bash -n " + *path_;
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST_F(CompletionTest, CompletesASubcommand) {
  EXPECT_EQ(Complete("mapfault re"), "replay\n");
  EXPECT_EQ(Complete("mapfault com"), "completion\n");
}

TEST_F(CompletionTest, CompletesABackendIdFromTheRegistry) {
  EXPECT_EQ(Complete("mapfault run --backend tomb"), "tombstone\n");
  EXPECT_EQ(Complete("mapfault run --seed 3 --backend mutant.cow"), "mutant.cow_publish_early\n");
}

TEST_F(CompletionTest, CompletesScenarioStrategyAndCli11Sets) {
  EXPECT_EQ(Complete("mapfault run --scenario iterate-while-g"), "iterate-while-grow\n");
  EXPECT_EQ(Complete("mapfault run --strategy port"), "portfolio\n");
  EXPECT_EQ(Complete("mapfault run --mode con"), "controlled\n");
  EXPECT_EQ(Complete("mapfault list sce"), "scenarios\n");
}

TEST_F(CompletionTest, CompletesTheOptionsOfTheCommandOnly) {
  EXPECT_EQ(Complete("mapfault replay --ti"), "--times\n");
  EXPECT_EQ(Complete("mapfault list --ti"), "");
  EXPECT_EQ(Complete("mapfault run --trials 1"), "") << "a number has nothing to complete";
}

// The golden file locks the script's format; the registries' ids (checked above) are replaced by a
// placeholder, so that a new backend or scenario does not change it.
TEST_F(CompletionTest, MatchesTheGoldenFile) {
  const std::regex ids(R"((--backend|--scenario|--strategy|--suite)\) _mapfault_reply "[^"]*")");
  ExpectGolden("completion.bash",
               std::regex_replace(*script_, ids, R"($1) _mapfault_reply "<registry ids>")"));
}

TEST(ManPageTest, HasItsSectionsAndEveryCommand) {
  const CommandResult r = RunMapfault("man");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* line :
       {".TH MAPFAULT 1 ", "\n.SH NAME\nmapfault \\- concurrency fault injection",
        "\n.SH SYNOPSIS\n", "\n.SH COMMANDS\n", "\n.SS \"mapfault run\"\n",
        "\n.SS \"mapfault replay\"\n", "\n.SS \"mapfault completion\"\n", "\n.SH EXIT STATUS\n", "\n.SH ENVIRONMENT\n",
        "\\fB\\-\\-backend\\fR \\fITEXT\\fR\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line;
  }
  ExpectGolden("mapfault.1", r.out);
}

TEST(ManPageTest, RendersWithoutGroffWarnings) {
  if (std::system("command -v groff >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "groff is not installed (the structure is checked above)";
  }
  const std::string page = WriteTemp("mapfault.1", RunMapfault("man").out);
  const CommandResult r =
      RunBash("/dev/null", "groff -man -Tascii -ww " + page + " 2>&1 >/dev/null | head -5; " +
                               "groff -man -Tascii -P-cbou " + page +
                               " | grep -c \"^EXIT STATUS\"");
  EXPECT_EQ(r.out, "1\n") << "groff warnings or no EXIT STATUS section:\n" << r.out;
}

}  // namespace
}  // namespace mapfault
