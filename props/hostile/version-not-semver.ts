// Case: a version string that is not semver.
// Run: insmod FILE
// Expect: EINVAL: version 'v1-beta' is not MAJOR.MINOR.PATCH

import { defineModule } from 'livemod/module';

export default defineModule({ name: 'hostile', version: 'v1-beta', description: 'a bad version' });
