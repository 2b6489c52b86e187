package org.diffusion4j.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.diffusion4j.process.LayerViolationFixture;
import org.junit.jupiter.api.Test;

/**
 * The layers of diffusion4j-core, bottom to top, as {@code docs/architecture.md} draws them: a layer may use the
 * layers below it and its own packages, never one above. Package cycles are refused too.
 */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.diffusion4j");

    static LayeredArchitecture layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Base").definedBy("org.diffusion4j", "org.diffusion4j.backend..")
                .layer("Foundations").definedBy("org.diffusion4j.process..", "org.diffusion4j.io..",
                        "org.diffusion4j.nn..", "org.diffusion4j.degradation..", "org.diffusion4j.audio..")
                .layer("Model").definedBy("org.diffusion4j.denoise..", "org.diffusion4j.grid..",
                        "org.diffusion4j.ode..", "org.diffusion4j.data..")
                .layer("Sampling").definedBy("org.diffusion4j.sample..")
                .layer("Families").definedBy("org.diffusion4j.phase..", "org.diffusion4j.nonlinear..",
                        "org.diffusion4j.bridge..", "org.diffusion4j.restore..", "org.diffusion4j.tts..")
                .layer("Generation").definedBy("org.diffusion4j.generate..")
                .layer("Training").definedBy("org.diffusion4j.train..", "org.diffusion4j.distill..")
                .layer("Evaluation").definedBy("org.diffusion4j.eval..", "org.diffusion4j.tune..")
                .layer("Fine-tuning").definedBy("org.diffusion4j.reward..", "org.diffusion4j.finetune..")
                .whereLayer("Fine-tuning").mayNotBeAccessedByAnyLayer()
                .whereLayer("Evaluation").mayOnlyBeAccessedByLayers("Fine-tuning")
                .whereLayer("Training").mayOnlyBeAccessedByLayers("Evaluation", "Fine-tuning")
                .whereLayer("Generation").mayOnlyBeAccessedByLayers("Training", "Evaluation", "Fine-tuning")
                .whereLayer("Families").mayOnlyBeAccessedByLayers("Generation", "Training", "Evaluation",
                        "Fine-tuning")
                .whereLayer("Sampling").mayOnlyBeAccessedByLayers("Families", "Generation", "Training",
                        "Evaluation", "Fine-tuning")
                .whereLayer("Model").mayOnlyBeAccessedByLayers("Sampling", "Families", "Generation", "Training",
                        "Evaluation", "Fine-tuning")
                .whereLayer("Foundations").mayOnlyBeAccessedByLayers("Model", "Sampling", "Families",
                        "Generation", "Training", "Evaluation", "Fine-tuning");
    }

    @Test
    void everyLayerUsesOnlyTheLayersBelowIt() {
        layers().check(MAIN);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.diffusion4j.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void aLowerLayerUsingAHigherOneFails() {
        JavaClasses withViolation = new ClassFileImporter().importClasses(LayerViolationFixture.class,
                org.diffusion4j.train.Trainer.class);
        AssertionError error = assertThrows(AssertionError.class, () -> layers().check(withViolation));
        assertTrue(error.getMessage().contains("LayerViolationFixture"), error.getMessage());
    }
}
