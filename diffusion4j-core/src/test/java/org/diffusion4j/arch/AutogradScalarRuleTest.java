package org.diffusion4j.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import ai.djl.ndarray.NDArray;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.diffusion4j.backend.Differentiable;
import org.junit.jupiter.api.Test;

/**
 * Guard of the freed-scalar bug of this engine: {@code NDArray op Number} wraps the number in a tensor over a Java
 * buffer that the garbage collector may free before the backward pass reads it (a forced GC between forward and
 * backward turned every gradient of a 20-op chain into Infinity, 20 of 20 trials). No differentiable class may call
 * such a method; they use {@link org.diffusion4j.backend.Scalars}.
 */
class AutogradScalarRuleTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.diffusion4j");

    private static final DescribedPredicate<JavaMethodCall> NUMBER_OVERLOAD = DescribedPredicate.describe(
            "an NDArray method taking a Number",
            call -> call.getTarget().getOwner().isAssignableTo(NDArray.class)
                    && call.getTarget().getRawParameterTypes().stream().anyMatch(t -> t.isEquivalentTo(Number.class)));

    @Test
    void differentiableCodeNeverPassesNumbersToArrays() {
        noClasses().that().resideInAnyPackage("org.diffusion4j.backend..", "org.diffusion4j.nn..",
                "org.diffusion4j.train..", "org.diffusion4j.distill..", "org.diffusion4j.finetune..",
                "org.diffusion4j.bridge..", "org.diffusion4j.restore..")
                .or().areAnnotatedWith(Differentiable.class)
                .should().callMethodWhere(NUMBER_OVERLOAD)
                .because("NDArray op Number reads freed memory inside autograd; use Scalars")
                .check(CLASSES);
    }

    @Test
    void theRuleSeesViolations() {
        JavaClasses sample = new ClassFileImporter().importClasses(Violation.class);
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> noClasses().should().callMethodWhere(NUMBER_OVERLOAD).check(sample));
    }

    /** A class that breaks the rule, to show the rule can fail. */
    static final class Violation {
        NDArray half(NDArray x) {
            return x.mul(0.5);
        }
    }
}
