package com.cohortwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * docs/CONTRACT.md is the page platforms and analysts build against: it must name every column the
 * code writes to the gold and ops tables (and no column the code does not write), and every command
 * of the command line. No Spark session: the schemas are plain objects.
 */
class ContractDocTest {
  private static final Path REPO = SharedSpark.repoRoot();

  private static String contract() throws IOException {
    return Files.readString(REPO.resolve("docs/CONTRACT.md"));
  }

  /** The backticked first cells of the table under the heading that names {@code table}. */
  static List<String> documentedColumns(String doc, String table) {
    String[] sections = doc.split("\n(?=#{2,3} )");
    for (String section : sections) {
      String heading = section.lines().findFirst().orElse("");
      if (heading.startsWith("### ") && heading.contains("`" + table + "`")) {
        List<String> columns = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9_]+)` \\|").matcher(section);
        while (m.find()) {
          columns.add(m.group(1));
        }
        return columns;
      }
    }
    throw new AssertionError("docs/CONTRACT.md has no section for " + table);
  }

  @Test
  void everyGoldAndOpsColumnIsDocumentedAndNothingElse() throws IOException {
    String doc = contract();
    Map<String, StructType> tables =
        Map.of(
            TableNames.ACCOUNT_RISK, Schemas.ACCOUNT_RISK,
            TableNames.CLUSTER_RISK, Schemas.CLUSTER_RISK,
            TableNames.CLUSTER_MEMBERS, Schemas.CLUSTER_MEMBERS,
            TableNames.LINK_EVIDENCE, Schemas.LINK_EVIDENCE,
            TableNames.RUN_METRICS, Schemas.RUN_METRICS);
    tables.forEach(
        (table, schema) ->
            assertThat(documentedColumns(doc, table))
                .as("columns of %s in docs/CONTRACT.md", table)
                .containsExactlyElementsOf(
                    Arrays.stream(schema.fields()).map(StructField::name).toList()));
  }

  @Test
  void everyCommandIsOnTheCommandLineAndNoOther() throws IOException {
    String doc = contract();
    String block = doc.substring(doc.indexOf("## 3. Command line"));
    block = block.substring(block.indexOf("```") + 3);
    block = block.substring(0, block.indexOf("```"));
    Set<String> documented = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^cohortwatch ([a-z]+)\\b").matcher(block);
    while (m.find()) {
      documented.add(m.group(1));
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(new Main().commandNames());
    assertThat(block).contains("cohortwatch --version");
    assertThat(doc).contains("| 0 |").contains("| 1 |").contains("| 2 |");
  }

  @Test
  void theRepositoryLinksItsOwnContract() throws IOException {
    assertThat(Files.readString(REPO.resolve("README.md"))).contains("(docs/CONTRACT.md)");
    // A link out of the repository breaks in every clone: no page may point at ../shared.
    try (Stream<Path> files = Files.walk(REPO)) {
      List<Path> pointingOut =
          files
              .filter(p -> p.toString().endsWith(".md"))
              .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
              .filter(
                  p -> {
                    try {
                      return Files.readString(p).contains("shared/CONTRACT.md");
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .toList();
      assertThat(pointingOut).isEmpty();
    }
  }
}
