// Private to core: a pickle (protocol 2 to 5, the opcodes torch.save's state dicts use) read into
// a tree of values: None, booleans, integers, floats, strings, tuples, lists and dicts, globals,
// and objects as their callable and arguments (REDUCE, NEWOBJ) or their persistent id (BINPERSID);
// BUILD's state is dropped. Nothing is executed. Any other operation is refused with its code.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bilevel/status.h"

namespace bilevel::io {

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

struct PickleValue {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kObject,
    kMark
  };
  Kind kind = Kind::kNone;
  long long integer = 0;
  double real = 0.0;
  std::string text;                                   // strings; "module name" of globals
  std::vector<PickleRef> items;                       // tuples, lists; [callable, arguments]
  std::vector<std::pair<PickleRef, PickleRef>> dict;  // in insertion order
  PickleRef persistent;                               // an object's persistent id
};

// The value the pickle's STOP returns; a message naming the byte where it failed otherwise.
Status ReadPickle(std::string_view bytes, PickleRef* root);

}  // namespace bilevel::io
