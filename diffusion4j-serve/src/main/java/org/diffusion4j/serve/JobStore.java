package org.diffusion4j.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jobs of the job API by id, at most {@code capacity} of them: the oldest is forgotten first (cancelled if it
 * has not finished), so results held for pollers stay bounded however many jobs come.
 */
final class JobStore {
    private final int capacity;
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    JobStore(int capacity) {
        this.capacity = capacity;
    }

    synchronized void put(Job job) {
        jobs.put(job.id(), job);
        var it = jobs.values().iterator();
        while (jobs.size() > capacity && it.hasNext()) {
            Job oldest = it.next();
            it.remove();
            oldest.cancel("dropped from the job list (more than " + capacity + " jobs)");
        }
    }

    synchronized Job get(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new ApiException(404, "id", "unknown job '" + id + "' (finished jobs are kept for the last "
                    + capacity + " jobs)");
        }
        return job;
    }
}
