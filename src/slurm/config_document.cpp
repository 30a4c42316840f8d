#include <algorithm>
#include <cctype>
#include <functional>
#include <list>
#include <mutex>
#include <stdexcept>

#include <slurmctld/slurm/config_document.hpp>

namespace slurmctld::slurm {

using detail::ConfigLine;
using LineKind = ConfigLine::Kind;

namespace {

bool is_blank(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

bool is_valid_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), is_key_char);
}

// Slurm's _strip_comments: the first '#' not escaped by an odd run of backslashes.
std::size_t comment_start(std::string_view line) {
    int backslashes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '#' && backslashes % 2 == 0) {
            return i;
        }
        backslashes = line[i] == '\\' ? backslashes + 1 : 0;
    }
    return std::string_view::npos;
}

// Slurm's _strip_continuation: an odd run of backslashes, possibly followed by blanks, ends a
// line that continues. Returns the length of the code to keep (the last backslash and the blanks
// after it dropped), nullopt when the line does not continue.
std::optional<std::size_t> continued_length(std::string_view code) {
    std::size_t backslashes = 0;
    std::size_t i = code.size();
    while (i > 0) {
        const char c = code[i - 1];
        if (c == '\\') {
            ++backslashes;
        } else if (!(is_blank(c) && backslashes == 0)) {
            break;
        }
        --i;
    }
    if (backslashes % 2 == 1) {
        return i + backslashes - 1;
    }
    return std::nullopt;
}

// Slurm's _strip_escapes: a backslash stands for the character after it.
std::string strip_escapes(std::string_view code) {
    std::string out;
    out.reserve(code.size());
    for (std::size_t i = 0; i < code.size(); ++i) {
        if (code[i] == '\\') {
            ++i;
            if (i == code.size()) {
                break;
            }
        }
        out.push_back(code[i]);
    }
    return out;
}

std::string escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '#') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

bool needs_quotes(std::string_view value) {
    return value.empty() || std::any_of(value.begin(), value.end(), is_blank);
}

// A byte no Slurm line may hold: NUL ends the line for Slurm's C strings, CR/LF and the other
// controls (tab aside) break or silently change it.
bool is_forbidden_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20U && c != '\t') || u == 0x7fU;
}

std::string format_value(std::string_view value, bool quoted) {
    if (quoted || needs_quotes(value)) {
        return "\"" + escape(value) + "\"";
    }
    return escape(value);
}

void check_key(std::string_view key) {
    if (!is_valid_key(key)) {
        throw std::invalid_argument("not a Slurm configuration key: `" + std::string(key) + "`");
    }
}

void check_value(std::string_view key, std::string_view value, bool quoted = false) {
    if (!can_write_value(value, quoted)) {
        throw std::invalid_argument("the value of `" + std::string(key) +
                                    "` cannot be written on a Slurm configuration line");
    }
}

std::string leading_blanks(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && is_blank(text[i])) {
        ++i;
    }
    return std::string(text.substr(0, i));
}

constexpr std::string_view kIncludeKeyword = "include";

// ---- one logical line ------------------------------------------------------------------------

struct Body {
    LineKind kind = LineKind::Other;
    std::vector<Setting> settings;
    std::string keyword;
    std::string include;
};

class BodyParser {
  public:
    BodyParser(std::string_view text, int line, ConfigDialect dialect)
        : text_(text), line_(line), dialect_(dialect) {}

    Result<Body, ConfigParseError> parse() {
        skip_blanks();
        if (at_end()) {
            return Body{};
        }
        if (starts_include()) {
            return parse_include();
        }
        Body body;
        while (true) {
            auto setting = parse_pair();
            if (!setting) {
                return setting.error();
            }
            body.settings.push_back(std::move(setting).value());
            skip_blanks();
            if (at_end()) {
                break;
            }
            if (!is_record_kind(dialect_, body.settings.front().key)) {
                const Setting& only = body.settings.front();
                return fail("unexpected text after `" + only.key + "=" + only.value + "`: \"" +
                            std::string(rest()) + "\" (one Key=Value per line)");
            }
        }
        body.kind = is_record_kind(dialect_, body.settings.front().key) ? LineKind::Record
                                                                        : LineKind::Setting;
        return body;
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    int line_;
    ConfigDialect dialect_;

    bool at_end() const { return pos_ >= text_.size(); }
    std::string_view rest() const { return text_.substr(pos_); }
    void skip_blanks() {
        while (!at_end() && is_blank(text_[pos_])) {
            ++pos_;
        }
    }
    ConfigParseError fail(std::string message) const { return {line_, std::move(message)}; }

    // Slurm's _parse_include_directive: "include" (any case) followed by a blank.
    bool starts_include() const {
        return rest().size() > kIncludeKeyword.size() &&
               iequals(rest().substr(0, kIncludeKeyword.size()), kIncludeKeyword) &&
               is_blank(rest()[kIncludeKeyword.size()]);
    }

    Result<Body, ConfigParseError> parse_include() {
        Body body;
        body.kind = LineKind::Include;
        body.keyword = std::string(text_.substr(pos_, kIncludeKeyword.size()));
        pos_ += kIncludeKeyword.size();
        skip_blanks();
        const std::size_t start = pos_;
        while (!at_end() && !is_blank(text_[pos_])) {
            ++pos_;
        }
        body.include = std::string(text_.substr(start, pos_ - start));
        if (body.include.empty()) {
            return fail("`" + body.keyword + "` needs a file name");
        }
        skip_blanks();
        if (!at_end()) {
            return fail("unexpected text after the include file name: \"" + std::string(rest()) +
                        "\"");
        }
        return body;
    }

    // Slurm's keyvalue_pattern: key, optional blanks, '=', optional blanks, then a value that is
    // either "quoted" (followed by a blank or the end) or a run of non-blanks.
    Result<Setting, ConfigParseError> parse_pair() {
        const std::size_t key_start = pos_;
        while (!at_end() && is_key_char(text_[pos_])) {
            ++pos_;
        }
        Setting setting;
        setting.key = std::string(text_.substr(key_start, pos_ - key_start));
        if (setting.key.empty()) {
            return fail("expected Key=Value, found \"" + std::string(rest()) + "\"");
        }
        skip_blanks();
        if (!at_end() && std::string_view("-*+/").find(text_[pos_]) != std::string_view::npos &&
            pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') {
            return fail("`" + setting.key + text_[pos_] +
                        "=` is not supported in configuration files, only `=`");
        }
        if (at_end() || text_[pos_] != '=') {
            return fail("missing '=' after `" + setting.key + "`");
        }
        ++pos_;
        skip_blanks();
        if (at_end()) {
            return fail("missing value for `" + setting.key + "`");
        }
        if (text_[pos_] == '"') {
            const std::size_t close = text_.find('"', pos_ + 1);
            if (close != std::string_view::npos &&
                (close + 1 == text_.size() || is_blank(text_[close + 1]))) {
                setting.value = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
                setting.quoted = true;
                pos_ = close + 1;
                return setting;
            }
        }
        const std::size_t value_start = pos_;
        while (!at_end() && !is_blank(text_[pos_])) {
            ++pos_;
        }
        setting.value = std::string(text_.substr(value_start, pos_ - value_start));
        return setting;
    }
};

// ---- rewriting lines --------------------------------------------------------------------------

std::string render_pairs(const std::vector<Setting>& settings) {
    std::string out;
    for (const Setting& setting : settings) {
        if (!out.empty()) {
            out += ' ';
        }
        out += setting.key + "=" + format_value(setting.value, setting.quoted);
    }
    return out;
}

void rebuild_text(ConfigLine& line) {
    switch (line.kind) {
        case LineKind::Setting:
        case LineKind::Record:
            line.text = line.indent + render_pairs(line.settings) + line.trailer;
            break;
        case LineKind::Include:
            line.text = line.indent + line.keyword + " " + escape(line.include) + line.trailer;
            break;
        case LineKind::Other:
            break;
    }
}

ConfigLine make_setting_line(std::string key, std::string value, bool quoted) {
    ConfigLine line;
    line.kind = LineKind::Setting;
    line.settings.push_back(Setting{std::move(key), std::move(value), quoted});
    rebuild_text(line);
    return line;
}

ConfigLine make_include_line(std::string file) {
    ConfigLine line;
    line.kind = LineKind::Include;
    line.keyword = "include";
    line.include = std::move(file);
    rebuild_text(line);
    return line;
}

void check_include(std::string_view file) {
    if (file.empty() || std::any_of(file.begin(), file.end(), is_blank) ||
        std::any_of(file.begin(), file.end(), is_forbidden_byte)) {
        throw std::invalid_argument("not a file name an include line can hold: \"" +
                                    std::string(file) + "\"");
    }
}

bool is_setting_of(const ConfigLine& line, std::string_view key) {
    return line.kind == LineKind::Setting && iequals(line.settings.front().key, key);
}

bool is_record_of(const ConfigLine& line, std::string_view kind) {
    return line.kind == LineKind::Record && iequals(line.settings.front().key, kind);
}

bool has_duplicates(const std::vector<std::string>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (std::find(values.begin() + static_cast<std::ptrdiff_t>(i) + 1, values.end(),
                      values[i]) != values.end()) {
            return true;
        }
    }
    return false;
}

bool has_value(const std::vector<std::string>& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

std::vector<std::string> kept(const std::vector<std::string>& from,
                              const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (const auto& value : from) {
        if (has_value(in, value)) {
            out.push_back(value);
        }
    }
    return out;
}

// The lines holding a list (a repeated key, or the include lines) and how to make and change them.
struct ListSlot {
    std::function<bool(const ConfigLine&)> matches;
    std::function<std::string(const ConfigLine&)> value_of;
    std::function<ConfigLine(const std::string&)> make_line;
    std::function<void(ConfigLine&, const std::string&)> rewrite;
};

std::vector<std::size_t> positions_of(const std::vector<ConfigLine>& lines,
                                      const std::function<bool(const ConfigLine&)>& matches) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (matches(lines[i])) {
            out.push_back(i);
        }
    }
    return out;
}

std::ptrdiff_t offset(std::size_t index) {
    return static_cast<std::ptrdiff_t>(index);
}

bool set_list(std::vector<ConfigLine>& lines, const ListSlot& slot,
              const std::vector<std::string>& values, std::size_t append_at) {
    const std::vector<std::size_t> positions = positions_of(lines, slot.matches);
    std::vector<std::string> old_values;
    old_values.reserve(positions.size());
    for (const std::size_t position : positions) {
        old_values.push_back(slot.value_of(lines[position]));
    }
    if (old_values == values) {
        return false;
    }

    if (!has_duplicates(old_values) && !has_duplicates(values) &&
        kept(old_values, values) == kept(values, old_values)) {
        // The values that stay keep their lines; dropped ones go; new ones go next to their
        // neighbours in `values`, the leading ones where the list started.
        const std::size_t first = positions.empty() ? append_at : positions.front();
        for (std::size_t i = positions.size(); i > 0; --i) {
            if (!has_value(values, slot.value_of(lines[positions[i - 1]]))) {
                lines.erase(lines.begin() + offset(positions[i - 1]));
            }
        }
        std::optional<std::size_t> anchor;
        for (const std::string& value : values) {
            const auto found = std::find_if(lines.begin(), lines.end(), [&](const ConfigLine& l) {
                return slot.matches(l) && slot.value_of(l) == value;
            });
            if (found != lines.end()) {
                anchor = static_cast<std::size_t>(found - lines.begin());
                continue;
            }
            const std::size_t at = anchor ? *anchor + 1 : first;
            lines.insert(lines.begin() + offset(at), slot.make_line(value));
            anchor = at;
        }
        return true;
    }

    // Reordered (or duplicated) values: the list's lines take the new values in order.
    const std::size_t common = std::min(positions.size(), values.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (slot.value_of(lines[positions[i]]) != values[i]) {
            slot.rewrite(lines[positions[i]], values[i]);
        }
    }
    if (values.size() > positions.size()) {
        std::size_t at = positions.empty() ? append_at : positions.back() + 1;
        for (std::size_t i = positions.size(); i < values.size(); ++i) {
            lines.insert(lines.begin() + offset(at++), slot.make_line(values[i]));
        }
    }
    for (std::size_t i = positions.size(); i > values.size(); --i) {
        lines.erase(lines.begin() + offset(positions[i - 1]));
    }
    return true;
}

Record record_of(const ConfigLine& line) {
    return Record(line.settings);
}

}  // namespace

// ---- ConfigParseError, Record ---------------------------------------------------------------

std::string ConfigParseError::describe() const {
    return "line " + std::to_string(line) + ": " + message;
}

bool can_write_value(std::string_view value, bool quoted) {
    if (std::any_of(value.begin(), value.end(), is_forbidden_byte)) {
        return false;
    }
    // Slurm's value pattern is "[^"]*" or a run of non-blanks: a quoted value cannot hold a quote,
    // and an unquoted one that starts with a quote may be read as quoted.
    const bool has_quote = value.find('"') != std::string_view::npos;
    return !(has_quote && (quoted || needs_quotes(value) || value.front() == '"'));
}

std::optional<std::string> format_slurm_value(std::string_view value, bool quoted) {
    if (!can_write_value(value, quoted)) {
        return std::nullopt;
    }
    return format_value(value, quoted);
}

Record::Record(std::string kind, std::string name)
    : settings_{Setting{std::move(kind), std::move(name), false}} {
}

Record::Record(std::vector<Setting> settings) : settings_(std::move(settings)) {
    if (settings_.empty()) {
        throw std::invalid_argument("a record needs at least its naming key");
    }
}

std::optional<std::string> Record::get(std::string_view key) const {
    for (const Setting& setting : settings_) {
        if (iequals(setting.key, key)) {
            return setting.value;
        }
    }
    return std::nullopt;
}

void Record::set(std::string_view key, std::string value) {
    for (Setting& setting : settings_) {
        if (iequals(setting.key, key)) {
            setting.value = std::move(value);
            setting.quoted = false;
            return;
        }
    }
    settings_.push_back(Setting{std::string(key), std::move(value), false});
}

bool Record::remove(std::string_view key) {
    for (std::size_t i = 1; i < settings_.size(); ++i) {
        if (iequals(settings_[i].key, key)) {
            settings_.erase(settings_.begin() + offset(i));
            return true;
        }
    }
    return false;
}

bool Record::same_as(const Record& other) const {
    return std::equal(settings_.begin(), settings_.end(), other.settings_.begin(),
                      other.settings_.end(), [](const Setting& a, const Setting& b) {
                          return iequals(a.key, b.key) && a.value == b.value;
                      });
}

// ---- ConfigDocument: parse and render -------------------------------------------------------

ConfigDocument::ConfigDocument(ConfigDialect dialect) : dialect_(dialect) {
}

Result<ConfigDocument, ConfigParseError> ConfigDocument::parse_remembered(std::string_view text,
                                                                          ConfigDialect dialect) {
    struct Parsed {
        ConfigDialect dialect;
        std::string text;
        Result<ConfigDocument, ConfigParseError> result;
    };
    static constexpr std::size_t kRemembered = 8;
    static std::mutex mutex;
    static std::list<Parsed> remembered;  // most recent first
    {
        const std::lock_guard lock(mutex);
        for (auto it = remembered.begin(); it != remembered.end(); ++it) {
            if (it->dialect == dialect && it->text == text) {
                remembered.splice(remembered.begin(), remembered, it);
                return remembered.front().result;
            }
        }
    }
    auto result = parse(text, dialect);
    const std::lock_guard lock(mutex);
    remembered.push_front(Parsed{dialect, std::string(text), result});
    if (remembered.size() > kRemembered) {
        remembered.pop_back();
    }
    return result;
}

Result<ConfigDocument, ConfigParseError> ConfigDocument::parse(std::string_view text,
                                                               ConfigDialect dialect) {
    ConfigDocument document(dialect);
    document.source_ = std::string(text);

    std::vector<std::string_view> physical;
    if (!text.empty()) {
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) {
                physical.push_back(text.substr(start));
                break;
            }
            physical.push_back(text.substr(start, end - start));
            start = end + 1;
        }
        document.final_newline_ = text.back() == '\n';
    }

    for (std::size_t i = 0; i < physical.size();) {
        const std::size_t first = i;
        std::string code;
        std::string_view last_line;
        std::string_view last_code;
        while (true) {
            last_line = physical[i];
            last_code = last_line.substr(0, comment_start(last_line));
            const auto kept_length = continued_length(last_code);
            ++i;
            code += last_code.substr(0, kept_length.value_or(last_code.size()));
            if (!kept_length || i == physical.size()) {
                break;
            }
        }

        ConfigLine line;
        line.number = static_cast<int>(first) + 1;
        for (std::size_t j = first; j < i; ++j) {
            if (j > first) {
                line.text += '\n';
            }
            line.text += physical[j];
        }
        line.indent = leading_blanks(physical[first]);
        std::size_t content_end = last_code.size();
        while (content_end > 0 && is_blank(last_code[content_end - 1])) {
            --content_end;
        }
        line.trailer = std::string(last_line.substr(content_end));

        auto body = BodyParser(strip_escapes(code), line.number, dialect).parse();
        if (!body) {
            return body.error();
        }
        line.kind = body.value().kind;
        line.settings = std::move(body.value().settings);
        line.keyword = std::move(body.value().keyword);
        line.include = std::move(body.value().include);
        document.lines_.push_back(std::move(line));
    }
    return document;
}

std::string ConfigDocument::render() const {
    if (lines_.empty() && !source_.empty()) {
        return "\n";  // emptied by edits: slurmutils writes an empty model as one newline
    }
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        if (i > 0) {
            out += '\n';
        }
        out += lines_[i].text;
    }
    if (final_newline_ && !lines_.empty()) {
        out += '\n';
    }
    return out;
}

bool ConfigDocument::modified() const {
    return render() != source_;
}

bool ConfigDocument::empty() const {
    return std::all_of(lines_.begin(), lines_.end(),
                       [](const ConfigLine& line) { return line.kind == LineKind::Other; });
}

std::vector<ConfigEntry> ConfigDocument::entries() const {
    std::vector<ConfigEntry> out;
    for (const ConfigLine& line : lines_) {
        if (line.kind == LineKind::Other) {
            continue;
        }
        ConfigEntry& entry = out.emplace_back();
        entry.line = line.number;
        if (line.kind == LineKind::Setting) {
            entry.item.emplace<Setting>(line.settings.front());
        } else if (line.kind == LineKind::Include) {
            entry.item.emplace<Include>(Include{line.include});
        } else {
            entry.item.emplace<Record>(line.settings);
        }
    }
    return out;
}

std::size_t ConfigDocument::append_position(NewKeyPlacement placement) const {
    if (placement == NewKeyPlacement::BeforeIncludes) {
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            if (lines_[i].kind == LineKind::Include) {
                return i;
            }
        }
    }
    return lines_.size();
}

// ---- single-valued keys -----------------------------------------------------------------------

std::optional<std::string> ConfigDocument::get(std::string_view key) const {
    for (std::size_t i = lines_.size(); i > 0; --i) {
        if (is_setting_of(lines_[i - 1], key)) {
            return lines_[i - 1].settings.front().value;
        }
    }
    return std::nullopt;
}

bool ConfigDocument::contains(std::string_view key) const {
    return get(key).has_value();
}

bool ConfigDocument::set(std::string_view key, std::string_view value, NewKeyPlacement placement) {
    return set_setting(Setting{std::string(key), std::string(value), false}, placement);
}

bool ConfigDocument::set_setting(const Setting& setting, NewKeyPlacement placement) {
    check_key(setting.key);
    check_value(setting.key, setting.value, setting.quoted);
    if (is_record_kind(dialect_, setting.key) || iequals(setting.key, "include")) {
        throw std::invalid_argument("`" + setting.key +
                                    "` is not a single-valued key: use the record or include "
                                    "operations");
    }
    const auto positions = positions_of(
        lines_, [&](const ConfigLine& line) { return is_setting_of(line, setting.key); });
    if (positions.empty()) {
        lines_.insert(lines_.begin() + offset(append_position(placement)),
                      make_setting_line(to_lower(setting.key), setting.value, setting.quoted));
        return true;
    }
    bool changed = false;
    ConfigLine& first = lines_[positions.front()];
    Setting& current = first.settings.front();
    if (current.value != setting.value || (setting.quoted && !current.quoted)) {
        // A quoted value stays quoted (upstream always quotes RebootProgram, for one).
        const bool keep_quotes = current.quoted && setting.value.find('"') == std::string::npos;
        current.value = setting.value;
        current.quoted = setting.quoted || keep_quotes;
        rebuild_text(first);
        changed = true;
    }
    for (std::size_t i = positions.size(); i > 1; --i) {
        lines_.erase(lines_.begin() + offset(positions[i - 1]));
        changed = true;
    }
    return changed;
}

bool ConfigDocument::remove(std::string_view key) {
    const auto before = lines_.size();
    std::erase_if(lines_, [&](const ConfigLine& line) { return is_setting_of(line, key); });
    return lines_.size() != before;
}

// ---- repeated keys ----------------------------------------------------------------------------

std::vector<std::string> ConfigDocument::get_all(std::string_view key) const {
    std::vector<std::string> out;
    for (const ConfigLine& line : lines_) {
        if (is_setting_of(line, key)) {
            out.push_back(line.settings.front().value);
        }
    }
    return out;
}

bool ConfigDocument::set_all(std::string_view key, const std::vector<std::string>& values) {
    check_key(key);
    if (is_record_kind(dialect_, key) || iequals(key, "include")) {
        throw std::invalid_argument("`" + std::string(key) + "` is not a repeated key");
    }
    for (const auto& value : values) {
        check_value(key, value);
    }
    std::string spelling = to_lower(key);
    for (const ConfigLine& line : lines_) {
        if (is_setting_of(line, key)) {
            spelling = line.settings.front().key;
            break;
        }
    }
    const ListSlot slot{
        [&](const ConfigLine& line) { return is_setting_of(line, key); },
        [](const ConfigLine& line) { return line.settings.front().value; },
        [&](const std::string& value) { return make_setting_line(spelling, value, false); },
        [](ConfigLine& line, const std::string& value) {
            line.settings.front().value = value;
            line.settings.front().quoted = false;
            rebuild_text(line);
        },
    };
    return set_list(lines_, slot, values, lines_.size());
}

// ---- includes -----------------------------------------------------------------------------------

namespace {
bool is_include(const ConfigLine& line) {
    return line.kind == LineKind::Include;
}
}  // namespace

std::vector<std::string> ConfigDocument::includes() const {
    std::vector<std::string> out;
    for (const ConfigLine& line : lines_) {
        if (is_include(line)) {
            out.push_back(line.include);
        }
    }
    return out;
}

bool ConfigDocument::set_includes(const std::vector<std::string>& files) {
    for (const auto& file : files) {
        check_include(file);
    }
    const ListSlot slot{
        is_include,
        [](const ConfigLine& line) { return line.include; },
        [](const std::string& file) { return make_include_line(file); },
        [](ConfigLine& line, const std::string& file) {
            line.include = file;
            rebuild_text(line);
        },
    };
    return set_list(lines_, slot, files, lines_.size());
}

bool ConfigDocument::prepend_include(std::string_view file) {
    check_include(file);
    auto current = includes();
    if (has_value(current, std::string(file))) {
        return false;
    }
    current.insert(current.begin(), std::string(file));
    return set_includes(current);
}

bool ConfigDocument::append_include(std::string_view file) {
    check_include(file);
    auto current = includes();
    if (has_value(current, std::string(file))) {
        return false;
    }
    current.emplace_back(file);
    return set_includes(current);
}

bool ConfigDocument::remove_include(std::string_view file) {
    const auto before = lines_.size();
    std::erase_if(lines_,
                  [&](const ConfigLine& line) { return is_include(line) && line.include == file; });
    return lines_.size() != before;
}

// ---- records ----------------------------------------------------------------------------------

std::vector<Record> ConfigDocument::records(std::string_view kind) const {
    std::vector<Record> out;
    for (const ConfigLine& line : lines_) {
        if (is_record_of(line, kind)) {
            out.push_back(record_of(line));
        }
    }
    return out;
}

std::optional<Record> ConfigDocument::record(std::string_view kind, std::string_view name) const {
    for (const ConfigLine& line : lines_) {
        if (is_record_of(line, kind) && line.settings.front().value == name) {
            return record_of(line);
        }
    }
    return std::nullopt;
}

bool ConfigDocument::set_record(const Record& record) {
    if (!is_record_kind(dialect_, record.kind())) {
        throw std::invalid_argument("`" + record.kind() + "` does not start a record line here");
    }
    for (const Setting& setting : record.settings()) {
        check_key(setting.key);
        check_value(setting.key, setting.value, setting.quoted);
    }
    const auto same_record = [&](const ConfigLine& line) {
        return is_record_of(line, record.kind()) && line.settings.front().value == record.name();
    };
    const auto found = std::find_if(lines_.begin(), lines_.end(), same_record);

    // Keys the line already has keep their spelling; the rest are written in lower case.
    const std::vector<Setting> none;
    const std::vector<Setting>& old = found != lines_.end() ? found->settings : none;
    std::vector<Setting> spelled = record.settings();
    for (Setting& setting : spelled) {
        const auto same_key = std::find_if(
            old.begin(), old.end(), [&](const Setting& o) { return iequals(o.key, setting.key); });
        setting.key = same_key != old.end() ? same_key->key : to_lower(setting.key);
    }

    if (found != lines_.end()) {
        if (record_of(*found).same_as(record)) {
            return false;
        }
        found->settings = std::move(spelled);
        rebuild_text(*found);
        return true;
    }
    ConfigLine line;
    line.kind = LineKind::Record;
    line.settings = std::move(spelled);
    rebuild_text(line);
    std::size_t at = lines_.size();
    for (std::size_t i = lines_.size(); i > 0; --i) {
        if (is_record_of(lines_[i - 1], record.kind())) {
            at = i;
            break;
        }
    }
    lines_.insert(lines_.begin() + offset(at), std::move(line));
    return true;
}

bool ConfigDocument::remove_record(std::string_view kind, std::string_view name) {
    const auto before = lines_.size();
    std::erase_if(lines_, [&](const ConfigLine& line) {
        return is_record_of(line, kind) && line.settings.front().value == name;
    });
    return lines_.size() != before;
}

// ---- merge --------------------------------------------------------------------------------------

bool ConfigDocument::merge(const ConfigDocument& overrides) {
    bool changed = false;
    std::vector<std::string> merged_keys;
    bool includes_merged = false;
    for (const ConfigLine& line : overrides.lines_) {
        switch (line.kind) {
            case LineKind::Setting: {
                const Setting& setting = line.settings.front();
                const std::string key = to_lower(setting.key);
                if (has_value(merged_keys, key)) {
                    break;
                }
                merged_keys.push_back(key);
                const auto values = overrides.get_all(key);
                if (values.size() > 1 || is_repeatable_key(dialect_, key)) {
                    changed = set_all(key, values) || changed;
                } else {
                    changed = set_setting(setting, NewKeyPlacement::AtEnd) || changed;
                }
                break;
            }
            case LineKind::Include:
                if (!includes_merged) {
                    includes_merged = true;
                    changed = set_includes(overrides.includes()) || changed;
                }
                break;
            case LineKind::Record:
                changed = set_record(record_of(line)) || changed;
                break;
            case LineKind::Other:
                break;
        }
    }
    return changed;
}

}  // namespace slurmctld::slurm
