namespace MLNet.LrSchedules.Trainers;
