package dev.bgl.cli;

import dev.bgl.util.BglException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * The {@code bgl} command. Errors meant for the user print as one line and exit 1; anything
 * unexpected prints one line too and exits 2, with the stack trace only under {@code --debug}.
 */
@Command(name = "bgl", mixinStandardHelpOptions = true, version = "bgl 0.1.0",
        description = "Budget-guided LLM inference: run reasoning models within a thinking budget.",
        subcommands = {DemoCommand.class, InspectCommand.class, TrainModelCommand.class, TasksCommand.class, GenerateCommand.class, RunCommand.class, EvalCommand.class, BatchCommand.class,
                CollectTracesCommand.class, TrainPredictorCommand.class, MakeModelCommand.class, BenchCommand.class, ServeCommand.class, SimulateUsersCommand.class, LoadTestCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = "--debug", description = "Print stack traces for errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (debug) ex.printStackTrace(err);
            if (ex instanceof BglException) {
                err.println("bgl: " + ex.getMessage());
                return 1;
            }
            err.println("bgl: internal error: " + ex + (debug ? "" : " (run with --debug for details)"));
            return 2;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("bgl: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try 'bgl " + (ex.getCommandLine().getCommandName().equals("bgl") ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
            return 2;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("bgl: out of memory (" + e.getMessage() + "); try a smaller --context, or more heap through BGL_JAVA_OPTS=-Xmx...");
            return 2;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
