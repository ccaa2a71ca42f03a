// Serializes a Case into a canonical byte stream (field names, kinds, values; lengths before
// strings so that no two cases share a stream) and hashes it with OpenSSL's SHA-256.
#include "engine/audit/case_digest.hpp"

#include <cstring>

#include <openssl/evp.h>

#include "engine/audit/hex.hpp"

namespace covcheck::engine {

namespace {

class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Hasher() { EVP_MD_CTX_free(ctx_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void tag(char t) { EVP_DigestUpdate(ctx_, &t, 1); }
  void number(std::uint64_t n) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(n >> (8 * i));
    EVP_DigestUpdate(ctx_, b, 8);
  }
  void text(std::string_view s) {
    number(s.size());
    EVP_DigestUpdate(ctx_, s.data(), s.size());
  }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    std::string h = "sha256:";
    append_hex(h, out, len);
    return h;
  }

 private:
  EVP_MD_CTX* ctx_;
};

struct Walk {
  const Case& c;
  const dsl::Schema& schema;
  Hasher& h;

  // `type`: the field's declared type (for a list item, its element type).
  void value(const Value& v, const dsl::Type& type) {
    h.tag(static_cast<char>('a' + static_cast<int>(v.kind)));
    switch (v.kind) {
      case Kind::unknown:
      case Kind::none: break;
      case Kind::boolean: h.tag(v.boolean ? '1' : '0'); break;
      case Kind::integer: h.number(static_cast<std::uint64_t>(v.integer)); break;
      case Kind::decimal: {
        double d = v.decimal == 0 ? 0.0 : v.decimal;  // -0 and 0 are one value
        std::uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        h.number(bits);
        break;
      }
      case Kind::date: h.number(static_cast<std::uint64_t>(static_cast<std::int64_t>(v.date))); break;
      case Kind::duration: h.number(static_cast<std::uint64_t>(v.days)); break;
      case Kind::string:
      case Kind::code: h.text(c.strings[v.index]); break;
      case Kind::enumeration:
        // By name: a member's ordinal moves when a schema gains a member before it.
        if (type.base == dsl::BaseType::enumeration && type.ref < schema.enums.size() &&
            v.index < schema.enums[type.ref].members.size())
          h.text(schema.enums[type.ref].members[v.index]);
        else h.number(v.index);
        break;
      case Kind::record: record(v.index); break;
      case Kind::list: {
        const CaseList& l = c.lists[v.index];
        h.number(l.count);
        dsl::Type element = type.element_type();
        for (std::uint32_t i = 0; i < l.count; ++i) value(c.items[l.first + i], element);
        break;
      }
      case Kind::range:
        h.number(static_cast<std::uint64_t>(static_cast<std::int64_t>(v.range.lo)));
        h.number(static_cast<std::uint64_t>(static_cast<std::int64_t>(v.range.hi)));
        break;
    }
  }

  void record(std::uint32_t index) {
    const CaseRecord& r = c.records[index];
    const dsl::RecordType& type = schema.records[r.type];
    h.text(type.name);
    for (std::uint32_t f = 0; f < type.fields.size(); ++f) {
      const dsl::FieldInfo& field = type.fields[f];
      if (field.derived) continue;
      const Value& v = c.slots[r.first_slot + f];
      if (!v.known()) continue;  // an absent field and an unknown one are the same case
      h.text(field.name);
      value(v, field.type);
    }
    h.tag('.');
  }
};

}  // namespace

std::string case_digest(const Case& c, const dsl::Schema& schema) {
  Hasher h;
  h.text("covcheck-case-v1");
  if (!c.records.empty()) Walk{c, schema, h}.record(0);
  return h.hex();
}

}  // namespace covcheck::engine
