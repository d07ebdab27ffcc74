// Random valid scenarios for the model fuzzer: files with random attributes,
// one to four CPUs, each a random program of the scenario language's calls
// whose arguments are variables of the right type. The text always parses;
// it may still be refused at run time (a call the variant lacks, a CPU
// blocked on a variable forever, an unaligned offset), which is the front
// end's job to say clearly.
#pragma once

#include "byte_source.hpp"

#include <string>

namespace pagerace::fuzz {

std::string generate_scenario(ByteSource &in);

} // namespace pagerace::fuzz
