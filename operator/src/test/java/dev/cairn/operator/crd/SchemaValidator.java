package dev.cairn.operator.crd;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the API server checks of a StoreCluster against the CRD's schema: defaults applied first,
 * then types, bounds, patterns, enums, required fields, and the CEL rules ({@code
 * x-kubernetes-validations}, transition rules with {@code oldSelf} only on update), each refusal in
 * the API server's words where a test looks at them.
 */
final class SchemaValidator {
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private SchemaValidator() {}

  /** The refusals of {@code object} (null {@code old} on create); empty when it is valid. */
  static List<String> errors(JSONSchemaProps schema, Object object, Object old) {
    List<String> errors = new ArrayList<>();
    check(
        "spec",
        schema,
        withDefaults(schema, object),
        old == null ? null : withDefaults(schema, old),
        errors);
    return errors;
  }

  @SuppressWarnings("unchecked")
  static Object withDefaults(JSONSchemaProps schema, Object value) {
    if (!(value instanceof Map<?, ?> map) || schema.getProperties() == null) {
      return numbersAsLongs(value);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    ((Map<String, Object>) map).forEach((k, v) -> out.put(k, v));
    schema
        .getProperties()
        .forEach(
            (name, prop) -> {
              if (!out.containsKey(name) && prop.getDefault() != null) {
                out.put(name, fromJson(prop.getDefault()));
              }
              if (out.containsKey(name)) {
                out.put(name, withDefaults(prop, out.get(name)));
              }
            });
    return out;
  }

  private static Object fromJson(com.fasterxml.jackson.databind.JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    if (node.isTextual()) {
      return node.asText();
    }
    return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
        node.toString(), Object.class);
  }

  private static Object numbersAsLongs(Object v) {
    if (v instanceof Integer i) {
      return i.longValue();
    }
    if (v instanceof List<?> l) {
      return l.stream().map(SchemaValidator::numbersAsLongs).toList();
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private static void check(
      String path, JSONSchemaProps schema, Object value, Object old, List<String> errors) {
    String type = schema.getType();
    if ("integer".equals(type)) {
      if (!(value instanceof Long n)) {
        errors.add(path + ": Invalid value: must be an integer");
        return;
      }
      if (schema.getMinimum() != null && n < schema.getMinimum()) {
        errors.add(
            path
                + ": Invalid value: "
                + n
                + ": should be greater than or equal to "
                + schema.getMinimum().longValue());
      }
      if (schema.getMaximum() != null && n > schema.getMaximum()) {
        errors.add(
            path
                + ": Invalid value: "
                + n
                + ": should be less than or equal to "
                + schema.getMaximum().longValue());
      }
    } else if ("string".equals(type)) {
      if (!(value instanceof String s)) {
        errors.add(path + ": Invalid value: must be a string");
        return;
      }
      if (schema.getPattern() != null
          && !java.util.regex.Pattern.compile(schema.getPattern()).matcher(s).find()) {
        errors.add(
            path + ": Invalid value: \"" + s + "\": should match '" + schema.getPattern() + "'");
      }
      if (schema.getEnum() != null
          && !schema.getEnum().isEmpty()
          && schema.getEnum().stream().noneMatch(e -> e.asText().equals(s))) {
        errors.add(path + ": Unsupported value: \"" + s + "\"");
      }
    } else if ("boolean".equals(type) && !(value instanceof Boolean)) {
      errors.add(path + ": Invalid value: must be a boolean");
    } else if ("object".equals(type) && value instanceof Map<?, ?> map) {
      if (schema.getRequired() != null) {
        for (String r : schema.getRequired()) {
          if (!map.containsKey(r)) {
            errors.add(path + "." + r + ": Required value");
          }
        }
      }
      if (schema.getProperties() != null) {
        Map<String, Object> oldMap = old instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        schema
            .getProperties()
            .forEach(
                (name, prop) -> {
                  if (map.containsKey(name)) {
                    check(
                        path + "." + name,
                        prop,
                        map.get(name),
                        oldMap == null ? null : oldMap.get(name),
                        errors);
                  }
                });
      }
    }
    if (schema.getXKubernetesValidations() != null) {
      for (ValidationRule rule : schema.getXKubernetesValidations()) {
        boolean transition = rule.getRule().contains("oldSelf");
        if (transition && old == null) {
          continue; // transition rules run on update only
        }
        if (!evaluate(rule.getRule(), value, old)) {
          errors.add(path + ": Invalid value: \"object\": " + rule.getMessage());
        }
      }
    }
  }

  private static boolean evaluate(String rule, Object self, Object old) {
    try {
      CelRuntime.Program program = RUNTIME.createProgram(COMPILER.compile(rule).getAst());
      Map<String, Object> vars = new LinkedHashMap<>();
      vars.put("self", self);
      if (old != null) {
        vars.put("oldSelf", old);
      }
      return Boolean.TRUE.equals(program.eval(vars));
    } catch (Exception e) {
      throw new IllegalStateException("cannot evaluate rule " + rule + ": " + e.getMessage(), e);
    }
  }
}
