package dev.bgl.spark;

import dev.bgl.util.BglException;

/**
 * Whether Apache Spark's classes are here: they are provided by the launcher ({@code ./bgl} adds them for commands
 * with {@code --spark}; {@code spark-submit} brings its own), not packed into {@code bgl.jar}. This class refers to
 * no Spark type, so that it can say so in one line before a class that does fails to link.
 */
public final class SparkJars {
    private SparkJars() {
    }

    public static void require() {
        try {
            Class.forName("org.apache.spark.SparkContext", false, SparkJars.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new BglException("--spark needs Apache Spark's jars on the classpath: run through ./bgl (it adds the jars listed in"
                    + " bgl-spark/target/spark/classpath.txt) or spark-submit --class dev.bgl.cli.Main bgl-cli/target/bgl.jar ...");
        }
    }
}
