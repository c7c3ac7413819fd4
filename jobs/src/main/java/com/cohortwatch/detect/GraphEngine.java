package com.cohortwatch.detect;

import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.graphx.Edge;
import org.apache.spark.graphx.Graph;
import org.apache.spark.graphx.lib.ConnectedComponents;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The one class that touches GraphX (deprecated from Spark 4): edges in, vertex labels out, both as
 * DataFrames of longs, so the engine can be swapped without touching the pipeline.
 */
public final class GraphEngine {
  private GraphEngine() {}

  public static final String SRC = "src";
  public static final String DST = "dst";
  public static final String VERTEX = "vertex";
  public static final String LABEL = "label";

  public static final StructType LABELS =
      new StructType().add(VERTEX, DataTypes.LongType, false).add(LABEL, DataTypes.LongType, false);

  private static final ClassTag<Integer> INT_TAG = ClassTag$.MODULE$.apply(Integer.class);

  private static Graph<Integer, Integer> graph(Dataset<Row> edges) {
    JavaRDD<Edge<Integer>> rdd =
        edges.select(SRC, DST).javaRDD().map(r -> new Edge<>(r.getLong(0), r.getLong(1), 1));
    return Graph.fromEdges(
        rdd.rdd(),
        0,
        StorageLevel.MEMORY_AND_DISK(),
        StorageLevel.MEMORY_AND_DISK(),
        INT_TAG,
        INT_TAG);
  }

  /** Connected components: each vertex labelled with the smallest vertex id of its component. */
  public static Dataset<Row> connectedComponents(SparkSession spark, Dataset<Row> edges) {
    Graph<Integer, Integer> g = graph(edges);
    Graph<Object, Integer> cc = ConnectedComponents.run(g, INT_TAG, INT_TAG);
    Dataset<Row> labels = toLabels(spark, cc.vertices().toJavaRDD());
    return labels;
  }

  private static Dataset<Row> toLabels(
      SparkSession spark, JavaRDD<Tuple2<Object, Object>> vertices) {
    JavaRDD<Row> rows =
        vertices.mapPartitions(
            (Iterator<Tuple2<Object, Object>> it) ->
                new Iterator<Row>() {
                  public boolean hasNext() {
                    return it.hasNext();
                  }

                  public Row next() {
                    Tuple2<Object, Object> t = it.next();
                    return RowFactory.create((Long) t._1(), (Long) t._2());
                  }
                });
    return spark.createDataFrame(rows, LABELS);
  }
}
