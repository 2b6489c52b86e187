package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.diffusion4j.InvalidArgumentException;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.denoise.MixtureSpec;
import org.diffusion4j.generate.Generator;
import org.junit.jupiter.api.Test;

class ModelSourceTest {

    @Test
    void resolvesEveryKindOfName() {
        try (NDManager manager = Backend.newManager()) {
            ModelSource mixture = new ModelSource("gmm:eight-gaussians", null, "vp");
            assertEquals(MixtureSpec.bundled("eight-gaussians").dimension(), mixture.mixture().dimension());
            Generator exact = mixture.load(manager);
            assertEquals(2, exact.sampleShape().get(0));
            ModelSource bundled = new ModelSource("bundled:mnist-edm", null, null);
            assertNull(bundled.mixture());
            assertEquals(10, bundled.load(manager).classes());
            assertEquals("bundled:mnist-edm", bundled.name());
        }
    }

    @Test
    void badNamesAreNamed() {
        assertEquals("give exactly one of --model and --run",
                assertThrows(InvalidArgumentException.class, () -> new ModelSource(null, null, null)).getMessage());
        assertTrue(assertThrows(InvalidArgumentException.class, () -> new ModelSource("mnist", null, null))
                .getMessage().startsWith("unknown model 'mnist'; expected gmm:FILE.json, gmm:NAME, bundled:NAME"));
        assertTrue(assertThrows(InvalidArgumentException.class, () -> ModelSource.mixture("gmm:"))
                .getMessage().startsWith("unknown model 'gmm:'"));
        try (NDManager manager = Backend.newManager()) {
            assertEquals("the model was trained on process edm; --process vp cannot change it",
                    assertThrows(InvalidArgumentException.class,
                            () -> new ModelSource("bundled:mnist-edm", null, "vp").load(manager)).getMessage());
            assertTrue(assertThrows(InvalidArgumentException.class,
                    () -> new ModelSource("torchscript:model.pt", null, null).trained(manager)).getMessage()
                    .contains("is a TorchScript model, not a trained run"));
        }
    }

    @Test
    void travelsToExecutors() throws Exception {
        ModelSource source = new ModelSource(null, "runs/mnist-edm", null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(source);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(source, in.readObject());
        }
    }
}
