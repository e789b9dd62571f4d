#include "io/pickle_reader.h"

#include <cstdint>
#include <cstring>

namespace bilevel::io {
namespace {

using Value = PickleValue;
using Ref = PickleRef;

Ref Make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

class Unpickler {
 public:
  explicit Unpickler(std::string_view bytes) : bytes_(bytes) {}

  Status run(Ref* result) {
    while (pos_ < bytes_.size()) {
      const unsigned char op = byte();
      if (op == '.') {  // STOP
        if (stack_.empty()) return fail("STOP on an empty stack");
        *result = stack_.back();
        return Status::Ok();
      }
      if (Status s = step(op); !s.ok()) return s;
      if (!error_.empty()) return fail(error_);
    }
    return fail("the pickle ends without STOP");
  }

 private:
  Status fail(const std::string& why) const {
    return Status::Error("data.pkl at byte " + std::to_string(pos_) + ": " + why);
  }
  unsigned char byte() {
    if (pos_ >= bytes_.size()) {
      error_ = "truncated";
      return 0;
    }
    return static_cast<unsigned char>(bytes_[pos_++]);
  }
  std::uint64_t little(int n) {
    std::uint64_t v = 0;
    for (int k = 0; k < n; ++k)
      v |= std::uint64_t(byte()) << (8 * k);
    return v;
  }
  std::string take(std::size_t n) {
    if (pos_ + n > bytes_.size()) {
      error_ = "truncated";
      pos_ = bytes_.size();
      return {};
    }
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string line() {
    const std::size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) return take(bytes_.size() - pos_);
    std::string s(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  Ref pop() {
    if (stack_.empty()) {
      error_ = "pop from an empty stack";
      return Make(Value::Kind::kNone);
    }
    Ref v = stack_.back();
    stack_.pop_back();
    return v;
  }
  // The items above the topmost mark, which is removed.
  std::vector<Ref> popMark() {
    std::size_t k = stack_.size();
    while (k > 0 && stack_[k - 1]->kind != Value::Kind::kMark)
      --k;
    if (k == 0) {
      error_ = "no MARK on the stack";
      return {};
    }
    std::vector<Ref> items(stack_.begin() + std::ptrdiff_t(k), stack_.end());
    stack_.resize(k - 1);
    return items;
  }
  void push(Ref v) { stack_.push_back(std::move(v)); }
  Ref scalar(Value::Kind kind, long long i, double r = 0.0) {
    Ref v = Make(kind);
    v->integer = i;
    v->real = r;
    return v;
  }
  Ref string(std::string s) {
    Ref v = Make(Value::Kind::kString);
    v->text = std::move(s);
    return v;
  }
  Ref sequence(Value::Kind kind, std::vector<Ref> items) {
    Ref v = Make(kind);
    v->items = std::move(items);
    return v;
  }
  void memoize(std::size_t key) {
    if (stack_.empty()) {
      error_ = "PUT on an empty stack";
      return;
    }
    if (memo_.size() <= key) memo_.resize(key + 1);
    memo_[key] = stack_.back();
  }
  void recall(std::size_t key) {
    if (key >= memo_.size() || !memo_[key]) {
      error_ = "GET of an unknown memo key " + std::to_string(key);
      return;
    }
    push(memo_[key]);
  }
  void setItems(const std::vector<Ref>& items) {
    Ref target = stack_.empty() ? nullptr : stack_.back();
    if (!target || (target->kind != Value::Kind::kDict && target->kind != Value::Kind::kObject)) {
      error_ = "SETITEMS on something that is not a dict";
      return;
    }
    target->kind = Value::Kind::kDict;  // an OrderedDict() object holds items from here on
    for (std::size_t k = 0; k + 1 < items.size(); k += 2)
      target->dict.emplace_back(items[k], items[k + 1]);
  }
  void appendItems(const std::vector<Ref>& items) {
    if (stack_.empty() || stack_.back()->kind != Value::Kind::kList) {
      error_ = "APPEND on something that is not a list";
      return;
    }
    for (const Ref& v : items)
      stack_.back()->items.push_back(v);
  }
  Ref object(Ref callable, Ref arguments) {
    Ref v = Make(Value::Kind::kObject);
    v->items = {std::move(callable), std::move(arguments)};
    return v;
  }

  Status step(unsigned char op) {
    switch (op) {
      case 0x80:
        byte();
        break;  // PROTO
      case 0x95:
        little(8);
        break;  // FRAME
      case '}':
        push(Make(Value::Kind::kDict));
        break;  // EMPTY_DICT
      case ']':
        push(Make(Value::Kind::kList));
        break;  // EMPTY_LIST
      case ')':
        push(Make(Value::Kind::kTuple));
        break;  // EMPTY_TUPLE
      case '(':
        push(Make(Value::Kind::kMark));
        break;  // MARK
      case 'N':
        push(Make(Value::Kind::kNone));
        break;  // NONE
      case 0x88:
        push(scalar(Value::Kind::kBool, 1));
        break;  // NEWTRUE
      case 0x89:
        push(scalar(Value::Kind::kBool, 0));
        break;  // NEWFALSE
      case 'K':
        push(scalar(Value::Kind::kInt, (long long)little(1)));
        break;  // BININT1
      case 'M':
        push(scalar(Value::Kind::kInt, (long long)little(2)));
        break;   // BININT2
      case 'J':  // BININT
        push(scalar(Value::Kind::kInt, std::int32_t(std::uint32_t(little(4)))));
        break;
      case 0x8a: {  // LONG1: a little-endian two's complement of n bytes
        const int n = byte();
        if (n > 8) return fail("an integer of more than 64 bits");
        std::uint64_t v = little(n);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);
        push(scalar(Value::Kind::kInt, (long long)v));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        std::uint64_t bits = 0;
        for (int k = 0; k < 8; ++k)
          bits = bits << 8 | byte();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        push(scalar(Value::Kind::kFloat, 0, d));
        break;
      }
      case 'X':
        push(string(take(little(4))));
        break;  // BINUNICODE
      case 0x8c:
        push(string(take(byte())));
        break;  // SHORT_BINUNICODE
      case 'T':
        push(string(take(little(4))));
        break;  // BINSTRING
      case 'U':
        push(string(take(byte())));
        break;     // SHORT_BINSTRING
      case 'c': {  // GLOBAL "module\nname\n"
        Ref v = Make(Value::Kind::kGlobal);
        const std::string module = line();
        v->text = module + " " + line();
        push(v);
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Ref name = pop(), module = pop();
        Ref v = Make(Value::Kind::kGlobal);
        v->text = module->text + " " + name->text;
        push(v);
        break;
      }
      case 'q':
        memoize(byte());
        break;  // BINPUT
      case 'r':
        memoize(std::size_t(little(4)));
        break;  // LONG_BINPUT
      case 0x94:
        memoize(memo_.size());
        break;  // MEMOIZE
      case 'h':
        recall(byte());
        break;  // BINGET
      case 'j':
        recall(std::size_t(little(4)));
        break;  // LONG_BINGET
      case 't':
        push(sequence(Value::Kind::kTuple, popMark()));
        break;  // TUPLE
      case 0x85:
        push(sequence(Value::Kind::kTuple, {pop()}));
        break;      // TUPLE1
      case 0x86: {  // TUPLE2
        Ref b = pop(), a = pop();
        push(sequence(Value::Kind::kTuple, {a, b}));
        break;
      }
      case 0x87: {  // TUPLE3
        Ref c = pop(), b = pop(), a = pop();
        push(sequence(Value::Kind::kTuple, {a, b, c}));
        break;
      }
      case 'l':
        push(sequence(Value::Kind::kList, popMark()));
        break;  // LIST
      case 'a':
        appendItems({pop()});
        break;  // APPEND
      case 'e':
        appendItems(popMark());
        break;     // APPENDS
      case 's': {  // SETITEM
        Ref value = pop(), key = pop();
        setItems({key, value});
        break;
      }
      case 'u':
        setItems(popMark());
        break;     // SETITEMS
      case 'Q': {  // BINPERSID
        Ref id = pop();
        Ref v = Make(Value::Kind::kObject);
        v->persistent = id;
        push(v);
        break;
      }
      case 'R':     // REDUCE
      case 0x81: {  // NEWOBJ
        Ref arguments = pop(), callable = pop();
        push(object(callable, arguments));
        break;
      }
      case 'b':
        pop();
        break;  // BUILD: the object's state is not needed
      default: {
        static const char hex[] = "0123456789abcdef";
        return fail(std::string("unsupported pickle operation 0x") + hex[op >> 4] + hex[op & 15]);
      }
    }
    return Status::Ok();
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::vector<Ref> stack_;
  std::vector<Ref> memo_;
  std::string error_;
};

}  // namespace

Status ReadPickle(std::string_view bytes, PickleRef* root) {
  return Unpickler(bytes).run(root);
}

}  // namespace bilevel::io
