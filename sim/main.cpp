// stacksim: the command line (cli/dispatch.cpp picks the command; one file per command in cli/).
#include <exception>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  try {
    return stacksim::main_dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "stacksim: internal error: " << e.what() << "\n";
    return 1;
  }
}
