// stacksim: parse the command line, load, run, write. See cli/commands.cpp.
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
