// stacksim: the command line (cli/dispatch.cpp picks the command; one file per command in cli/).
#include <csignal>
#include <exception>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Past a file-size limit a write fails with EFBIG and is reported as such (the output's
  // temporary file removed) instead of the process dying of SIGXFSZ without a word.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return stacksim::main_dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "stacksim: internal error: " << e.what() << "\n";
    return 1;
  }
}
