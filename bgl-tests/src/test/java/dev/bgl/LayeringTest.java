package dev.bgl;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/** The layers (README, "Layout"): each package uses only the packages before it (util is usable anywhere). */
class LayeringTest {
    static final List<String> LAYERS = List.of("format", "tensor", "model", "tokenizer", "chat", "decode", "budget", "api",
            "tasks", "train", "eval", "spark", "server", "client", "cli", "langchain4j");

    @Test
    void eachLayerDependsOnlyOnEarlierOnes() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.bgl");
        var arch = layeredArchitecture().consideringOnlyDependenciesInLayers().withOptionalLayers(true);
        for (String l : LAYERS) arch = arch.layer(l).definedBy("dev.bgl." + l + "..");
        for (int i = 0; i < LAYERS.size(); i++) {
            String layer = LAYERS.get(i);
            // tokenizer and chat are one level: neither uses the other
            List<String> users = LAYERS.subList(i + 1, LAYERS.size()).stream()
                    .filter(u -> !(layer.equals("tokenizer") && u.equals("chat"))).toList();
            if (users.isEmpty()) arch = arch.whereLayer(layer).mayNotBeAccessedByAnyLayer();
            else arch = arch.whereLayer(layer).mayOnlyBeAccessedByLayers(users.toArray(String[]::new));
        }
        arch.check(classes);
    }

    /**
     * The LangChain4j models run bgl through the embedding API only (and the values it takes and hands out),
     * so the package can move to a module of its own that depends on the engine, not on the server or the CLI.
     */
    @Test
    void langchain4jUsesOnlyTheEmbeddingApi() {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.bgl.langchain4j");
        classes().that().resideInAPackage("dev.bgl.langchain4j..").should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.bgl.langchain4j..", "dev.bgl.api..", "dev.bgl.budget..", "dev.bgl.chat..", "dev.bgl.decode..",
                        "dev.bgl.util..", "dev.langchain4j..", "java..")
                .check(classes);
    }

    @Test
    void theBudgetPredictorIsALeafUnderTheBudgetMethods() {
        // the predictor (model, weights, Gamma math, calibration) serves the guided method; it uses none of the methods
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.bgl.budget");
        noClasses().that().resideInAPackage("dev.bgl.budget.predictor..")
                .should().dependOnClassesThat().resideInAPackage("dev.bgl.budget").check(classes);
    }
}
