#include <regex>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include <jujusim/yaml_json.hpp>

namespace jujusim {

using json = nlohmann::json;

json yaml_scalar(const std::string& text) {
    static const std::regex int_pattern(R"([-+]?(0|[1-9][0-9_]*))");
    static const std::regex float_pattern(
        R"([-+]?([0-9][0-9_]*)?\.[0-9]*([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+)");
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE" || text == "yes" || text == "Yes" ||
        text == "YES" || text == "on" || text == "On" || text == "ON" || text == "y" ||
        text == "Y") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE" || text == "no" || text == "No" ||
        text == "NO" || text == "off" || text == "Off" || text == "OFF" || text == "n" ||
        text == "N") {
        return false;
    }
    if (std::regex_match(text, int_pattern)) {
        std::string digits;
        for (char c : text) {
            if (c != '_') {
                digits += c;
            }
        }
        try {
            return std::stoll(digits);
        } catch (const std::out_of_range&) {
            return text;
        }
    }
    if (text != "." && std::regex_match(text, float_pattern)) {
        try {
            return std::stod(text);
        } catch (const std::exception&) {
            return text;
        }
    }
    return text;
}

json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            // Quoted scalars carry the "!" tag: they stay strings.
            if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") {
                return node.Scalar();
            }
            return yaml_scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json out = json::array();
            for (const auto& item : node) {
                out.push_back(yaml_to_json(item));
            }
            return out;
        }
        case YAML::NodeType::Map: {
            json out = json::object();
            for (const auto& item : node) {
                out[item.first.as<std::string>()] = yaml_to_json(item.second);
            }
            return out;
        }
    }
    return nullptr;
}

json parse_yaml(const std::string& text) {
    try {
        return yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception& error) {
        throw std::runtime_error(error.what());
    }
}

}  // namespace jujusim
